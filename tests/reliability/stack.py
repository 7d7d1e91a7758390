"""A whole deployment started by a test, on its own ports: a Redis of its own, gunicorn serving the
web, Celery worker processes and a beat scheduler, all on the test's PostgreSQL database.

The test may kill, restart and starve any of these; the machine's shared services are never touched
(the shared PostgreSQL only sees this test database's connections dropped).

:class:`LocalRun` is the other kind: `manage.py serve` on `make run`'s defaults (SQLite and the embedded
broker in a VAR_DIR of its own), which supervises its processes itself.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.helpers import free_port

ROOT = Path(settings.BASE_DIR)


def wait_for(predicate, timeout: float, what: str) -> None:
    """Poll ``predicate`` every 0.1 s until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


class Stack:
    def __init__(self, workdir: Path, *, extra_env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.redis_port = free_port()
        self.web_port = free_port()
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CACHE_URL": f"redis://127.0.0.1:{self.redis_port}/1",
            "VAR_DIR": str(workdir),
            "LOG_FORMAT": "json",
            "API_RATE_REQUESTS": "1000000/min",
            "API_RATE_SUBMISSIONS": "1000000/min",
            # Short enough for a test to see recovery: a lost message is resent after 8 s, a dead worker's
            # grading after 15 s, an unacknowledged message redelivered after 12 s.
            "SWEEP_INTERVAL_SECONDS": "2",
            "SWEEP_QUEUED_AFTER_SECONDS": "8",
            "SWEEP_RUNNING_AFTER_SECONDS": "15",
            "CELERY_TASK_TIME_LIMIT": "12",
            "CELERY_VISIBILITY_TIMEOUT": "12",
            **(extra_env or {}),
        }
        self.redis: subprocess.Popen | None = None
        self.web: subprocess.Popen | None = None
        self.beat: subprocess.Popen | None = None
        self.workers: dict[str, subprocess.Popen] = {}
        self._started = 0

    # Redis ------------------------------------------------------------------------------------------
    def start_redis(self) -> None:
        self.redis = self._spawn(
            "redis",
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        )
        wait_for(self._redis_answers, 10, "redis")

    def restart_redis(self) -> None:
        """Stop Redis and start an empty one on the same port: every queued message is lost."""
        self._stop(self.redis)
        self.start_redis()

    def _redis_answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    # Celery -----------------------------------------------------------------------------------------
    def start_worker(self, name: str, concurrency: int = 1) -> None:
        self._started += 1
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "quizsite",
            "worker",
            "--loglevel=info",
            f"--concurrency={concurrency}",
            "--queues=grading,webhooks",
            f"--hostname={name}-{self._started}@%h",
            "--without-gossip",
            "--without-mingle",
        ]
        worker = self._spawn(f"worker-{name}-{self._started}", command)
        log = self.workdir / f"worker-{name}-{self._started}.log"
        wait_for(lambda: worker.poll() is not None or " ready." in log.read_text(), 120, f"worker {name}")
        assert worker.poll() is None, log.read_text()[-3000:]
        self.workers[name] = worker

    def kill_worker(self, name: str) -> None:
        """SIGKILL a worker and everything it started, mid-grading, as the OOM killer would."""
        os.killpg(self.workers[name].pid, signal.SIGKILL)
        self.workers.pop(name).wait()

    def start_beat(self) -> None:
        schedule = self.workdir / "celerybeat-schedule"
        self.beat = self._spawn(
            "beat",
            [sys.executable, "-m", "celery", "-A", "quizsite", "beat", "--loglevel=info", f"--schedule={schedule}"],
        )

    # Web --------------------------------------------------------------------------------------------
    def start_web(self) -> None:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.web = self._spawn(
            "web",
            [
                gunicorn,
                "quizsite.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--graceful-timeout",
                "5",
            ],
        )
        wait_for(self._web_answers, 60, "gunicorn")

    def _web_answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base}/healthz", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def call(self, method: str, path: str, token: str, body=None, headers: dict | None = None) -> tuple[int, dict]:
        """One API request; a refused or dropped connection is status 0."""
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")
        except OSError:
            return 0, {}

    # Processes --------------------------------------------------------------------------------------
    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        log = (self.workdir / f"{name}.log").open("a")
        # A session of its own, so a kill reaches the process and all its children.
        return subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @staticmethod
    def _stop(process: subprocess.Popen | None, timeout: float = 30) -> None:
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop(self) -> None:
        for process in [self.web, self.beat, *self.workers.values(), self.redis]:
            self._stop(process)

    def logs(self) -> str:
        """Every line the stack wrote (for failure messages)."""
        return "\n".join(path.read_text()[-4000:] for path in sorted(self.workdir.glob("*.log")))


class LocalRun:
    """`manage.py serve` in a fresh VAR_DIR, as `make run` starts it (no DATABASE_URL, no broker URL)."""

    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir
        self.port = free_port()
        unset = ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "SECRET_KEY")
        self.env = {key: value for key, value in os.environ.items() if key not in unset}
        self.env.update(
            {
                "DEBUG": "1",
                "VAR_DIR": str(var_dir),
                "API_RATE_REQUESTS": "1000000/min",
                "API_RATE_SUBMISSIONS": "1000000/min",
                # Recovery within the test's patience: a dead worker's grading is requeued after 15 s.
                "SWEEP_INTERVAL_SECONDS": "2",
                "SWEEP_RUNNING_AFTER_SECONDS": "15",
                "CELERY_TASK_TIME_LIMIT": "12",
                "CELERY_VISIBILITY_TIMEOUT": "12",
            }
        )
        self.server: subprocess.Popen | None = None

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def start(self) -> str:
        """Migrate, sync, create the demo users and serve; return the demo learner's API token."""
        self.manage("migrate", "--noinput")
        self.manage("sync_content")
        users = self.manage("create_demo_users")
        token = next(line for line in users.splitlines() if "username=learner" in line).split("api-token=")[1]
        log = (self.var_dir / "serve.log").open("w")
        command = [sys.executable, "manage.py", "serve", "--port", str(self.port), "--concurrency", "2"]
        self.server = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: self.ready()[0] == 200, 180, "the local run to be ready")
        return token.strip()

    def ready(self) -> tuple[int, dict]:
        assert self.server.poll() is None, self.log()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())
        except OSError:
            return 0, {}

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(self, method: str, path: str, token: str, body=None) -> tuple[int, dict]:
        request = urllib.request.Request(
            f"{self.base}{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())

    def processes(self) -> dict:
        return json.loads((self.var_dir / "serve-state.json").read_text())["processes"]

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.send_signal(signal.SIGINT)
            try:
                self.server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.server.kill()

    def log(self) -> str:
        return (self.var_dir / "serve.log").read_text()[-5000:]
