"""End-to-end load: the API under gunicorn, 2 Celery worker processes, Redis and PostgreSQL; or, with
``--embedded``, `make run`'s own defaults.

    .venv/bin/python bench/load.py [--embedded] [--latency-runs 50] [--burst 600] [--rate 50] [--seconds 15]

Starts, on ports of its own, a Redis, gunicorn (2 processes x 4 threads) and 2 Celery workers (one
pool process each) on a database ``gym_bench`` of the local PostgreSQL (created and migrated here),
with the same process harness as tests/reliability. With ``--embedded`` it starts instead
``manage.py serve`` in a fresh VAR_DIR: SQLite, the embedded Redis broker, one worker with 2 pool
processes and Django's development server. This script is the client, in another process. Run as root
(or as a user allowed to create user namespaces). Prints Markdown.

1. Low load: one ``inverted-dropout`` reference solution at a time; submit-to-final latency as the
   client sees it (POST, then GET every 10 ms until final; and POST, then a long poll as the exercise page
   does) and as the server records it.
2. Sustained: ``--burst`` submissions from 16 client threads as fast as the web accepts them; graded
   submissions per second from the first submission to the last result.
3. While the workers grade that backlog: ``GET /api/v1/exercises/`` and then the exercise page, each
   at ``--rate`` requests/s for ``--seconds``; their median and p95.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATABASE = "gym_bench"
os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DATABASE}")
os.environ.setdefault("SECRET_KEY", "bench-only-insecure-key")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quizsite.settings")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def prepare_database(embedded_var: Path | None) -> None:
    if embedded_var is not None:
        return  # `manage.py serve`'s own set-up (LocalRun.start) migrates its SQLite database
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DATABASE], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE], check=True)
    # Validated here: the stack's workers, on their own broker, start later.
    for command in (["migrate", "--noinput", "-v0"], ["sync_content", "--validate-now"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, check=True, capture_output=True)


def submit(stack, token: str, code: str) -> str:
    status, body = stack.call("POST", "/api/v1/exercises/inverted-dropout/submissions/", token, {"code": code})
    assert status == 202, (status, body)
    return body["id"]


def low_load_latency(
    stack, token: str, code: str, runs: int, long_poll: bool = False
) -> tuple[list[float], list[float]]:
    """Submit-to-final as the client sees it and as the server records it, one submission at a time: the client
    GETs every 10 ms, or (``long_poll``) as the exercise page does, one held request per status change."""
    from datetime import datetime

    client, server = [], []
    for _ in range(runs):
        began = time.perf_counter()
        submission_id = submit(stack, token, code)
        status = "queued"
        while True:
            query = f"?wait=20&status={status}" if long_poll else ""
            _, body = stack.call("GET", f"/api/v1/submissions/{submission_id}/{query}", token)
            status = body.get("status")
            if status in ("done", "error"):
                break
            if not long_poll:
                time.sleep(0.01)
        client.append(time.perf_counter() - began)
        assert body["verdict"] == "accepted", body
        created, finished = (datetime.fromisoformat(body[key]) for key in ("created_at", "finished_at"))
        server.append((finished - created).total_seconds())
        time.sleep(0.2)
    return client, server


def burst(stack, token: str, code: str, count: int) -> list[float]:
    """Submit ``count`` submissions from 16 client threads as fast as they are accepted; the latency
    of each POST."""

    def timed_submit(_) -> float:
        began = time.perf_counter()
        submit(stack, token, code)
        return time.perf_counter() - began

    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(timed_submit, range(count)))


def constant_rate(url: str, rate: float, seconds: float, cookie: str, token: str) -> list[float]:
    """GET ``url`` ``rate`` times a second for ``seconds``; the latency of each request."""
    latencies: list[float] = []
    headers = {"Cookie": cookie} if cookie else {"Authorization": f"Token {token}"}

    def one() -> None:
        began = time.perf_counter()
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
            response.read()
            assert response.status == 200
        latencies.append(time.perf_counter() - began)

    with ThreadPoolExecutor(16) as pool:
        start = time.perf_counter()
        for n in range(int(rate * seconds)):
            time.sleep(max(0.0, start + n / rate - time.perf_counter()))
            pool.submit(one)
    return latencies


def start_profiler(pid: int, output: Path) -> subprocess.Popen:
    """py-spy sampling ``pid`` and every process it starts (pool processes, the zygote, graded children), until
    :func:`stop_profiler`."""
    output.parent.mkdir(parents=True, exist_ok=True)
    py_spy = str(Path(sys.executable).with_name("py-spy"))
    command = [py_spy, "record", "--pid", str(pid), "--subprocesses", "--nonblocking", "--rate", "200"]
    return subprocess.Popen([*command, "--output", str(output)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stop_profiler(profiler: subprocess.Popen) -> None:
    profiler.send_signal(signal.SIGINT)  # py-spy writes the flame graph on SIGINT
    _, errors = profiler.communicate(timeout=120)
    if profiler.returncode not in (0, -signal.SIGINT):
        print(f"py-spy: {errors.decode()[-500:]}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-runs", type=int, default=50)
    parser.add_argument("--burst", type=int, default=600)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--embedded", action="store_true", help="measure `make run`'s defaults instead")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="record py-spy flame graphs (SVG) of worker a and of the web, each with its children, during the burst",
    )
    args = parser.parse_args()

    embedded_var = Path(tempfile.mkdtemp(prefix="gym-load-embedded-")) if args.embedded else None
    if embedded_var is not None:
        os.environ["DATABASE_URL"] = f"sqlite:///{embedded_var / 'db.sqlite3'}"
        os.environ["VAR_DIR"] = str(embedded_var)
    local = None
    if embedded_var is not None:
        from tests.reliability.stack import LocalRun

        local = LocalRun(embedded_var)
        local.start()
    prepare_database(embedded_var)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Max, Min
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from quizsite.learning.models import Submission
    from tests.reliability.stack import Stack

    user = get_user_model().objects.create_user(username="bench", password="bench-password-123")
    token = Token.objects.create(user=user).key
    browser = Client()
    browser.force_login(user)
    cookie = f"sessionid={browser.cookies['sessionid'].value}"
    code = (ROOT / "exercises" / "inverted-dropout" / "solution.py").read_text()

    if local is not None:
        stack = local
    else:
        stack = Stack(
            Path(tempfile.mkdtemp(prefix="gym-load-")), extra_env={"DATABASE_URL": os.environ["DATABASE_URL"]}
        )
    try:
        if local is None:
            stack.start_redis()
            stack.start_web()
            stack.start_worker("a")
            stack.start_worker("b")
        low_load_latency(stack, token, code, 5)  # warm-up: first imports, connections
        client, server = low_load_latency(stack, token, code, args.latency_runs)
        pushed, _ = low_load_latency(stack, token, code, args.latency_runs, long_poll=True)

        Submission.objects.all().delete()
        profilers = []
        if args.profile is not None and local is None:
            profilers = [
                start_profiler(stack.workers["a"].pid, args.profile / "worker.svg"),
                start_profiler(stack.web.pid, args.profile / "web.svg"),
            ]
        began = time.perf_counter()
        posts = burst(stack, token, code, args.burst)
        accepted_in = time.perf_counter() - began
        # The workers now grade the backlog: the pages are measured under that load.
        pages = {
            "GET /api/v1/exercises/": constant_rate(
                f"{stack.base}/api/v1/exercises/", args.rate, args.seconds, "", token
            ),
            "GET /exercises/inverted-dropout/ (page)": constant_rate(
                f"{stack.base}/exercises/inverted-dropout/", args.rate, args.seconds, cookie, token
            ),
        }
        backlog_left = Submission.objects.exclude(status__in=Submission.FINAL_STATUSES).count()
        while Submission.objects.exclude(status__in=Submission.FINAL_STATUSES).exists():
            time.sleep(0.2)
        for profiler in profilers:
            stop_profiler(profiler)
        window = Submission.objects.aggregate(first=Min("created_at"), last=Max("finished_at"))
        graded = Submission.objects.filter(verdict="accepted").count()
        span = (window["last"] - window["first"]).total_seconds()
    finally:
        stack.stop()

    ms = lambda seconds: f"{seconds * 1000:.0f} ms"  # noqa: E731
    setup = "`make run` defaults (SQLite, embedded Redis, serve)" if args.embedded else "PostgreSQL, Redis, gunicorn"
    print(f"{setup}; low load, {args.latency_runs} sequential submissions of the inverted-dropout reference:\n")
    print("| submit to final | median | p95 |\n|---|---|---|")
    print(f"| client (POST, GET every 10 ms) | {ms(statistics.median(client))} | {ms(percentile(client, 0.95))} |")
    print(f"| client (POST, then long poll) | {ms(statistics.median(pushed))} | {ms(percentile(pushed, 0.95))} |")
    print(f"| server (created_at to finished_at) | {ms(statistics.median(server))} | {ms(percentile(server, 0.95))} |")
    print(
        f"\nburst: {args.burst} submissions accepted in {accepted_in:.1f} s ({args.burst / accepted_in:.0f}/s; POST "
        f"median {ms(statistics.median(posts))}, p95 {ms(percentile(posts, 0.95))}); graded, all accepted: "
        f"{graded} in {span:.1f} s = {graded / span:.1f} graded/s sustained\n"
    )
    print(f"| while the workers grade the backlog ({backlog_left} still waiting at the end), "
          f"{args.rate:.0f} requests/s for {args.seconds:.0f} s each | median | p95 |\n|---|---|---|")  # fmt: skip
    for name, latencies in pages.items():
        print(f"| {name} | {ms(statistics.median(latencies))} | {ms(percentile(latencies, 0.95))} |")


if __name__ == "__main__":
    main()
