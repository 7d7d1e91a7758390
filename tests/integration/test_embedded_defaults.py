"""What `make run` does, on its defaults: SQLite and the embedded Redis broker, no system service.

Starts `manage.py serve` (broker + worker + web) in a fresh VAR_DIR and grades two submissions over HTTP.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import exercise_file, free_port, wait_until_final

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def _manage(env, *args) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _http(method, url, token, body=None):
    request = urllib.request.Request(
        url,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def _wait_for_health(base, server):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "manage.py serve exited during start-up"
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the web server did not come up")


def test_make_run_defaults_grade_submissions_end_to_end(tmp_path):
    unset = ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY")
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env.update({"DEBUG": "1", "VAR_DIR": str(tmp_path)})
    _manage(env, "migrate", "--noinput")
    assert "created: exercise inverted-dropout" in _manage(env, "sync_content")
    users = _manage(env, "create_demo_users")
    token = next(line for line in users.splitlines() if "username=learner" in line).split("api-token=")[1]
    assert (tmp_path / "db.sqlite3").exists()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port), "--concurrency", "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_health(base, server)
        verdicts = {}
        for name in ("solution.py", "wrong/no_rescale.py"):
            status, _, headers = _http(
                "POST",
                f"{base}/api/v1/exercises/inverted-dropout/submissions/",
                token,
                {"code": exercise_file("inverted-dropout", name)},
            )
            assert status == 202
            location = headers["Location"]
            final = wait_until_final(lambda url=location: _http("GET", url, token)[1], timeout=90)
            verdicts[name] = final["verdict"]
        assert verdicts == {"solution.py": "accepted", "wrong/no_rescale.py": "wrong_answer"}
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    assert server.returncode == 0, (tmp_path / "serve.log").read_text()[-3000:]


def test_manage_py_reads_the_env_file_make_run_writes_so_a_second_terminal_needs_no_setting(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ("DEBUG", "SECRET_KEY", "DATABASE_URL")}
    env["VAR_DIR"] = str(tmp_path)
    refused = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode != 0 and "SECRET_KEY must be set" in refused.stderr
    (tmp_path / ".env").write_text("DEBUG=1\n")
    assert "no issues" in _manage(env, "check")
    # The process environment still wins over the file.
    overridden = {**env, "DEBUG": "0"}
    refused = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=overridden, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode != 0
