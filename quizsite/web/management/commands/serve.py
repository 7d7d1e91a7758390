"""``manage.py serve``: the web server and a grading worker (with the sweeper's schedule), for local runs.

Both run as child processes; Ctrl-C (or either one exiting) stops both.
"""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the development web server and a Celery grading worker until interrupted."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--concurrency", type=int, default=2)

    def handle(self, *args, host: str, port: int, concurrency: int, **options) -> None:
        worker = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "quizsite",
            "worker",
            "--loglevel=info",
            f"--concurrency={concurrency}",
            "--queues=grading,webhooks",
            "--hostname=local@%h",
            "--beat",  # the sweeper's schedule; one local worker, so one scheduler
        ]
        web = [sys.executable, "manage.py", "runserver", f"{host}:{port}", "--noreload"]
        processes = [subprocess.Popen(worker), subprocess.Popen(web)]
        stopping = False

        def stop(*_args) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping and all(process.poll() is None for process in processes):
            time.sleep(0.2)
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if not stopping:
            raise SystemExit("the web server or the worker stopped unexpectedly")
