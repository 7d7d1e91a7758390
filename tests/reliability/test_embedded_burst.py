"""What `make run` starts, on its defaults (SQLite, the embedded Redis broker, `manage.py serve`), under
real use: 1,000 submissions in bursts and one by one with polling, each final with the verdict its code
deserves while the site keeps answering; then the worker is SIGKILLed mid-grading, the supervisor brings
it back, and the submission it was grading still ends with exactly one result."""

import json
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers import exercise_file
from tests.reliability.helpers import SLOW, SOLUTION
from tests.reliability.stack import LocalRun, wait_for

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(900)]

WRONG = exercise_file("inverted-dropout", "wrong/no_rescale.py")
# A quarter of each kind: the sandbox's two outcomes, the sandbox refusing to load, and the gate refusing.
KINDS = [
    (SOLUTION, "accepted"),
    (WRONG, "wrong_answer"),
    ("def dropout_forward(:\n", "syntax_error"),
    ("import gc\n" + SOLUTION, "restricted_code"),
]
BURSTS, BURST_SIZE, ONE_BY_ONE = 9, 100, 100


@pytest.fixture
def local_run(tmp_path):
    run = LocalRun(tmp_path)
    try:
        yield run
    finally:
        run.stop()


def _submit(run: LocalRun, token: str, code: str) -> str:
    status, body = run.call("POST", "/api/v1/exercises/inverted-dropout/submissions/", token, {"code": code})
    assert status == 202, (status, body)
    return body["id"]


def _final(run: LocalRun, token: str, submission_id: str, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        _, body = run.call("GET", f"/api/v1/submissions/{submission_id}/", token)
        if body["status"] in ("done", "error"):
            return body
        assert time.monotonic() < deadline, f"{submission_id} still {body['status']} after {timeout} s\n"
        time.sleep(0.1)


def test_a_thousand_submissions_and_a_killed_worker_on_the_make_run_defaults(local_run):
    token = local_run.start()
    expected: dict[str, str] = {}
    # One by one, polling each to its end, as an LMS or a class would.
    for n in range(ONE_BY_ONE):
        code, verdict = KINDS[n % len(KINDS)]
        submission_id = _submit(local_run, token, code)
        assert _final(local_run, token, submission_id)["verdict"] == verdict
        expected[submission_id] = verdict
    # Bursts from 8 client threads; the site must keep answering /readyz throughout.
    with ThreadPoolExecutor(8) as pool:
        for burst in range(BURSTS):
            cases = [KINDS[(burst + n) % len(KINDS)] for n in range(BURST_SIZE)]
            ids = list(pool.map(lambda case: _submit(local_run, token, case[0]), cases))
            expected.update({submission_id: case[1] for submission_id, case in zip(ids, cases, strict=True)})
            assert local_run.ready()[0] in (200, 503), "the site stopped answering"
        finals = list(pool.map(lambda submission_id: _final(local_run, token, submission_id), list(expected)))
    assert len(expected) == ONE_BY_ONE + BURSTS * BURST_SIZE == 1000
    wrong = [
        (body["id"], body["verdict"], expected[body["id"]])
        for body in finals
        if body["verdict"] != expected[body["id"]]
    ]
    assert not wrong, wrong[:10]
    assert all(body["status"] == "done" for body in finals)

    # The worker dies mid-grading (as the OOM killer would kill it): the supervisor restarts it and the
    # submission still ends, graded once.
    slow = _submit(local_run, token, SLOW)
    wait_for(
        lambda: local_run.call("GET", f"/api/v1/submissions/{slow}/", token)[1]["status"] == "running", 60, "running"
    )
    os.killpg(local_run.processes()["worker"]["pid"], signal.SIGKILL)
    # /readyz says what is down while the supervisor waits to restart it (1 s), then the worker is back.
    wait_for(lambda: "worker is down" in json.dumps(local_run.ready()[1]), 5, "/readyz to report the worker down")
    wait_for(lambda: local_run.processes()["worker"]["running"], 60, "the worker's restart")
    assert local_run.processes()["worker"]["restarts"] == 1
    final = _final(local_run, token, slow, timeout=180)
    assert (final["status"], final["verdict"]) == ("done", "accepted"), final
    wait_for(lambda: local_run.ready()[0] == 200, 120, "ready again")
    assert local_run.server.poll() is None, "serve itself kept running"
