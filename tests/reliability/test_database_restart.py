"""PostgreSQL restarts (a cluster of the test's own) while a grading runs: meanwhile the web answers 503
with a clear message and Retry-After, never a stack trace; afterwards web and worker reconnect by
themselves and the grading ends with its proper verdict."""

import subprocess
import sys
import time

import pytest

from tests.helpers import free_port
from tests.reliability.helpers import SLOW
from tests.reliability.postgres import BIN, OwnPostgres
from tests.reliability.stack import ROOT, Stack

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(300)]


@pytest.fixture
def postgres():
    if BIN is None:
        pytest.fail("PostgreSQL server binaries are needed (apt-get install postgresql)")
    instance = OwnPostgres(free_port())
    instance.init()
    yield instance
    instance.destroy()


def _manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _poll(stack: Stack, token: str, path: str, until, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status, body = stack.call("GET", path, token)
        if status == 200 and until(body):
            return body
        assert time.monotonic() < deadline, f"timed out on {path}: {status} {body}\n{stack.logs()}"
        time.sleep(0.2)


def test_web_says_503_while_the_database_restarts_and_grading_resumes(postgres, tmp_path):
    stack = Stack(tmp_path, extra_env={"DATABASE_URL": postgres.url, "DATABASE_CONN_MAX_AGE": "60"})
    _manage(stack.env, "migrate", "--noinput")
    _manage(stack.env, "sync_content")
    token = _manage(stack.env, "create_demo_users").split("api-token=")[1].split()[0]
    try:
        stack.start_redis()
        stack.start_web()
        stack.start_worker("a")
        status, body = stack.call("POST", "/api/v1/exercises/inverted-dropout/submissions/", token, {"code": SLOW})
        assert status == 202, body
        path = f"/api/v1/submissions/{body['id']}/"
        _poll(stack, token, path, lambda submission: submission["status"] == "running", 30)

        postgres.stop()
        status, problem = stack.call("GET", path, token)
        assert status == 503 and problem["title"] == "Service Unavailable" and "try again" in problem["detail"]
        assert "Traceback" not in str(problem)
        time.sleep(4)  # the grading finishes while the database is away: its result cannot be written yet
        postgres.start()

        graded = _poll(stack, token, path, lambda submission: submission["status"] == "done", 90)
        assert graded["verdict"] == "accepted"
        worker_log = "".join(log.read_text() for log in tmp_path.glob("worker-*.log"))
        assert "database unavailable, retrying" in worker_log, "the result was written by a retry, after the restart"
        assert stack.call("GET", "/api/v1/exercises/", token)[0] == 200
    finally:
        stack.stop()
