"""The sandbox attack suite: every hostile submission gets its verdict, and nothing secret reaches the learner.

Secrets are planted where an attacker would look: the worker's environment, the hidden checks, the
data folder, root's home, the host's /tmp and another checkout of the project. Every text a learner can
see (verdict message, check messages, captured output) is searched for them. These attacks test the
sandbox itself, so they run with the static gate off (most would otherwise stop there); the gate is
a second line and the sandbox must hold without it.
"""

import os
import threading
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from grader.runner import Job, grade
from grader.sandbox.limits import Limits
from grader.sandbox.supervisor import PROJECT_ROOT, ZygotePool
from tests.security.attacks import ATTACKS, SOLUTION, WRONG

CANARY = f"CANARY-{uuid.uuid4().hex}"
CHECKS = (PROJECT_ROOT / "exercises" / "inverted-dropout" / "checks.py").read_text() + f"\n# {CANARY}-checks\n"


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """Secrets in every place a submission might look; removed afterwards."""
    # The attacker may know the paths; only the contents are secret.
    host_file = Path("/tmp") / f"gym-secret-{uuid.uuid4().hex}.txt"
    var_file = Path(settings.VAR_DIR) / f"secret-{uuid.uuid4().hex}.txt"
    # Another checkout of the project beside this one, world-readable, as on a shared host.
    other = PROJECT_ROOT.parent / f"gym-other-checkout-{uuid.uuid4().hex}"
    other.mkdir()
    other.chmod(0o755)
    for path in (host_file, var_file, other / "solution.py"):
        path.write_text(f"{CANARY}-file")
        path.chmod(0o644)
    os.environ["GYM_SECRET"] = f"{CANARY}-environ"
    yield {
        "{root}": str(PROJECT_ROOT),
        "{host_file}": str(host_file),
        "{var_file}": str(var_file),
        "{other_checkout}": str(other),
        "{canary}": CANARY,
    }
    os.environ.pop("GYM_SECRET")
    host_file.unlink()
    var_file.unlink()
    (other / "solution.py").unlink()
    other.rmdir()


@pytest.fixture(scope="module")
def attack_zygotes(planted):
    """Zygotes started after the secrets were planted."""
    pool = ZygotePool()
    yield pool
    pool.close()


def _fill(code: str, planted: dict) -> str:
    for placeholder, value in planted.items():
        code = code.replace(placeholder, value)
    return code


def _visible_text(report) -> str:
    return "\n".join([report.message, report.output, *(result.message for result in report.results)])


def _assert_nothing_leaked(report) -> None:
    text = _visible_text(report)
    assert CANARY not in text
    assert settings.SECRET_KEY not in text
    # Not a fragment of the hidden checks either (their docstring and a failure-message template).
    assert "Hidden checks for inverted dropout" not in text
    assert "false-rejection rate" not in text or "Hoeffding" in text


def test_the_suite_is_large_and_names_are_unique():
    assert len(ATTACKS) >= 40
    assert len({attack.name for attack in ATTACKS}) == len(ATTACKS)


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda attack: attack.name)
def test_attack_gets_its_verdict_and_leaks_nothing(attack, attack_zygotes, planted):
    code = _fill(attack.code, planted) + "\n" + attack.appendix
    limits = Limits(cpu_seconds=attack.cpu_seconds, wall_seconds=attack.cpu_seconds + 3)
    report = grade(Job(code=code, checks_source=CHECKS, limits=limits, gate=False), attack_zygotes)
    assert report.verdict == attack.verdict, (report.verdict, report.message, report.output[-2000:])
    assert report.score < 1
    _assert_nothing_leaked(report)
    # Nothing was left on the host, and the sandbox is still usable: the next job is graded normally.
    assert not [place for place in ("/var/tmp", "/dev/shm", "/run/lock") if Path(place, "gym-left-behind").exists()]
    assert all(zygote.alive() for zygote in attack_zygotes.zygotes.values())


def test_the_planted_secrets_are_where_an_attacker_would_look(planted):
    assert Path(planted["{host_file}"]).read_text().startswith(CANARY)
    assert os.environ["GYM_SECRET"].startswith(CANARY)


def test_shared_memory_left_by_one_job_is_gone_for_the_next(attack_zygotes, planted):
    writer = next(attack for attack in ATTACKS if attack.name == "system_v_shared_memory_left_for_the_next_job")
    grade(Job(code=_fill(writer.code, planted) + WRONG, checks_source=CHECKS, gate=False), attack_zygotes)
    reader = (
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nprint('found', libc.shmget(0x47594D, 0, 0o666))\n"
    )
    report = grade(Job(code=reader + WRONG, checks_source=CHECKS, gate=False), attack_zygotes)
    assert "found -1" in report.output


def test_two_hostile_submissions_graded_concurrently_cannot_see_or_hurt_each_other(attack_zygotes, planted):
    """One job kills every process it can and lists the scratch space; a correct job runs beside it."""
    neighbours = ZygotePool()
    hostile = (
        "import os, signal, time\n"
        "with open('/tmp/mine.txt', 'w') as f:\n    f.write('hostile')\n"
        "for pid in set(range(2, 32768)) - {os.getpid()}:\n    try:\n        os.kill(pid, signal.SIGKILL)\n    except OSError:\n        pass\n"
        "print('scratch:', os.listdir('/tmp'))\n" + WRONG
    )
    snooper = "import os, time\ntime.sleep(0.3)\nprint('seen:', os.listdir('/tmp'))\n" + SOLUTION
    reports = {}

    def run(name, zygotes, code):
        reports[name] = grade(Job(code=code, checks_source=CHECKS, gate=False), zygotes)

    threads = [
        threading.Thread(target=run, args=("hostile", attack_zygotes, hostile)),
        threading.Thread(target=run, args=("snooper", neighbours, snooper)),
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        neighbours.close()
    assert reports["hostile"].verdict == "wrong_answer", reports["hostile"].message
    assert reports["snooper"].verdict == "accepted"
    assert "mine.txt" not in reports["snooper"].output
    assert "scratch: [" in reports["hostile"].output and "mine.txt" in reports["hostile"].output
