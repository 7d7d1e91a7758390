"""Installs as shipped: run by `.ci/install-check` in a virtualenv built from requirements.txt alone.

1. Imports every module of `quizsite` and `grader` (an import that only the dev requirements satisfy fails).
2. Starts a Celery worker on the Redis broker as an unprivileged user (the sandbox then isolates itself
   inside a user namespace), grades the reference solution end to end, and grades a probe that tries to
   read a file planted on the host and to open a connection: both must be refused while isolation holds.

Needs PostgreSQL and Redis on 127.0.0.1 (as `make test` does) and root, to switch the worker's user.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = f"gym_install_{uuid.uuid4().hex[:8]}"
SERVER = "postgres://postgres@127.0.0.1:5432"
BROKER = "redis://127.0.0.1:6379/13"
WORKER_USER = "nobody"
SETPRIV = shutil.which("setpriv") or "/usr/bin/setpriv"


def main() -> None:
    var_dir = Path(os.environ["INSTALL_CHECK_VAR"])
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "quizsite.settings",
            "DATABASE_URL": f"{SERVER}/{DATABASE}",
            "CELERY_BROKER_URL": BROKER,
            "SECRET_KEY": "install-check-only",
            "DEBUG": "0",
            "VAR_DIR": str(var_dir),
            "GRADER_SANDBOX": "isolated",
        }
    )
    sys.path.insert(0, str(ROOT))
    _postgres(f"CREATE DATABASE {DATABASE}")
    try:
        _import_everything()
        _check_unprivileged_grading(var_dir)
    finally:
        _postgres(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def _postgres(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(statement)


def _import_everything() -> None:
    import django

    django.setup()
    names = []
    for package in ("quizsite", "grader"):
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
            importlib.import_module(info.name)
            names.append(info.name)
    # kombu loads its Redis transport lazily: load it the way the worker will.
    from kombu.transport import resolve_transport

    resolve_transport("redis")
    print(f"imported {len(names)} modules of quizsite and grader, and kombu's Redis transport")


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def _check_unprivileged_grading(var_dir: Path) -> None:
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    _manage("migrate", "--noinput")
    _manage("sync_content")
    user = pwd.getpwnam(WORKER_USER)
    os.chown(var_dir, user.pw_uid, user.pw_gid)
    planted = Path(tempfile.gettempdir()) / f"gym-install-planted-{uuid.uuid4().hex}.txt"
    planted.write_text("PLANTED-SECRET")
    planted.chmod(0o644)
    worker = subprocess.Popen(
        [
            SETPRIV, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups",
            sys.executable, "-m", "celery", "-A", "quizsite", "worker", "--queues=grading", "--concurrency=1",
            "--loglevel=warning", f"--hostname=install-check-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env={**os.environ, "HOME": str(var_dir)},
    )  # fmt: skip
    try:
        _grade_as_unprivileged(worker, user.pw_uid, planted)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        planted.unlink()


def _grade_as_unprivileged(worker: subprocess.Popen, uid: int, planted: Path) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from quizsite.catalog.models import Exercise
    from quizsite.learning.services import submission_create

    learner = get_user_model().objects.create_user(username="install-check")
    exercise = Exercise.objects.get(slug="inverted-dropout")
    reference = submission_create(user=learner, exercise=exercise, code=exercise.solution_code)
    probe_code = (
        "import socket\n"
        f"try:\n    print('read:', open({str(planted)!r}).read())\n"
        "except OSError as exc:\n    print('read refused:', type(exc).__name__)\n"
        "try:\n    socket.create_connection(('127.0.0.1', 5432), timeout=2)\n    print('connected')\n"
        "except OSError as exc:\n    print('network refused:', type(exc).__name__)\n" + exercise.solution_code
    )
    # The gate would refuse `socket` before anything runs: the probe tests the sandbox itself.
    probe = submission_create(user=learner, exercise=exercise, code=probe_code)
    reference, probe = _final(reference, worker), _final(probe, worker)
    assert os.stat(f"/proc/{worker.pid}").st_uid == uid, "the worker does not run as the unprivileged user"
    assert reference.verdict == "accepted", (reference.verdict, reference.message, reference.results)
    print(f"worker as uid {uid}: the reference solution was graded end to end: {reference.verdict}")
    assert probe.verdict == "restricted_code", (probe.verdict, probe.message)
    print("the static gate refused the probe; now the same probe against the sandbox alone:")
    _probe_without_gate(probe_code, uid)


def _probe_without_gate(probe_code: str, uid: int) -> None:
    # The gate is a second line: run the probe through the runner with the gate off, in a process of the
    # unprivileged user, so the sandbox's own isolation (user namespace, no root) is what is tested.
    script = (
        "import sys, json\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from grader.runner import Job, grade\n"
        "from grader.sandbox.supervisor import ZygotePool\n"
        "pool = ZygotePool('isolated')\n"
        f"checks = open({str(ROOT / 'exercises/inverted-dropout/checks.py')!r}).read()\n"
        "report = grade(Job(code=sys.stdin.read(), checks_source=checks, gate=False), pool)\n"
        "pool.close()\n"
        "print(json.dumps({'verdict': report.verdict, 'output': report.output}))\n"
    )
    result = subprocess.run(
        [SETPRIV, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", sys.executable, "-c", script],
        input=probe_code,
        capture_output=True,
        text=True,
        timeout=300,
        env={key: value for key, value in os.environ.items() if not key.startswith(("DATABASE", "SECRET"))},
        check=True,
    )
    outcome = __import__("json").loads(result.stdout.strip().splitlines()[-1])
    output = outcome["output"]
    assert "PLANTED-SECRET" not in output and "read refused: FileNotFoundError" in output, output
    assert "connected" not in output and "network refused" in output, output
    assert outcome["verdict"] == "accepted", outcome
    print(f"as uid {uid}, isolation on: the planted host file was unreadable and the network unreachable")


def _final(submission, worker: subprocess.Popen, timeout: float = 240.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert worker.poll() is None, f"the worker exited with code {worker.returncode}"
        submission.refresh_from_db()
        if submission.is_final:
            return submission
        time.sleep(0.5)
    raise AssertionError(f"submission {submission.pk} still {submission.status} after {timeout} s")


if __name__ == "__main__":
    main()
