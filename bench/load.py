"""End-to-end load: the API under gunicorn, 2 Celery worker processes, Redis and PostgreSQL; or, with
``--embedded``, `make run`'s own defaults.

    .venv/bin/python bench/load.py [--embedded] [--latency-runs 50] [--burst 600] [--rate 200] [--seconds 15]
                                   [--every-exercise 40] [--baseline 30] [--profile DIR]

Starts, on ports of its own, a Redis, gunicorn (2 processes x 4 threads) and 2 Celery workers (one
pool process each) on a database ``gym_bench`` of the local PostgreSQL (created and migrated here),
with the same process harness as tests/reliability. With ``--embedded`` it starts instead
``manage.py serve`` in a fresh VAR_DIR: SQLite, the embedded Redis broker, one worker with 2 pool
processes and Django's development server. This script is the client, in another process. Run as root
(or as a user allowed to create user namespaces). Prints Markdown.

1. Low load: one ``inverted-dropout`` reference solution at a time; submit-to-final latency as the
   client sees it (POST, then GET every 10 ms until final; and POST, then a long poll as the exercise page
   does) and as the server records it.
2. Cost and throughput: ``--burst`` submissions from 16 client threads as fast as the web accepts them;
   graded submissions per second from the first submission to the last result, and the CPU time every
   process of the service spent meanwhile (web, workers with their zygotes and sandboxed children,
   PostgreSQL, Redis; read from ``/proc``, see bench/cpu.py), per graded submission.
3. Pages under load: a new backlog large enough to last, then, while the workers grade it,
   ``GET /api/v1/exercises/`` and the exercise page, each at ``--rate`` requests/s for ``--seconds``
   (over kept-alive connections, as a browser or an LMS client would); their median and p95.
4. ``--every-exercise N``: the CPU per graded submission of every exercise's reference, N each (after 8 not
   counted, so that each worker has compiled the exercise's checks).
5. ``--baseline N``: in this process, the same reference graded N times through ``grader.runner.grade``
   with the worker's long-lived zygote and with a fresh sandboxed interpreter per grading (a new zygote,
   started, used once and stopped: the cost of the codejail-style design), CPU of each and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import cpu

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


def submit(stack, token: str, code: str, slug: str = "inverted-dropout") -> str:
    status, body = stack.call("POST", f"/api/v1/exercises/{slug}/submissions/", token, {"code": code})
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


def burst(stack, token: str, work: list[tuple[str, str]]) -> list[float]:
    """Submit each ``(slug, code)`` of ``work`` from 16 client threads as fast as they are accepted; the latency
    of each POST."""

    def timed_submit(item: tuple[str, str]) -> float:
        began = time.perf_counter()
        submit(stack, token, item[1], item[0])
        return time.perf_counter() - began

    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(timed_submit, work))


def wait_until_graded() -> None:
    from quizsite.learning.models import Submission

    while Submission.objects.exclude(status__in=Submission.FINAL_STATUSES).exists():
        time.sleep(0.1)


def service_processes(stack) -> dict[str, list[int]]:
    """The roots of the service's process trees, by part: everything that works for a submission."""
    if not hasattr(stack, "workers"):  # `manage.py serve`: web, workers and the embedded Redis are its children
        return {"`manage.py serve` (web, worker, zygotes, embedded Redis)": [stack.server.pid]}
    return {
        "web (gunicorn)": [stack.web.pid],
        "workers (Celery, zygotes, sandboxed children)": [worker.pid for worker in stack.workers.values()],
        "PostgreSQL": cpu.roots_named("postgres"),
        "Redis": [stack.redis.pid],
    }


# The workers' CPU by depth in their process trees: Celery's consumer, its pool process (the task), the rest.
WORKER_LEVELS = [
    "Celery main process (broker, hand-off to the pool)",
    "pool process (the task, trusted checks)",
    "zygotes and sandboxed children (learner code)",
]


def graded_cost(stack, token: str, work: list[tuple[str, str]]) -> dict:
    """Submit ``work`` as a burst and wait until every submission is final: throughput, POST latency and the CPU
    time of every part of the service over the whole run."""
    from django.db.models import Max, Min

    from quizsite.learning.models import Submission

    Submission.objects.all().delete()
    groups = service_processes(stack)
    workers = [worker.pid for worker in getattr(stack, "workers", {}).values()]
    before, before_workers = cpu.tree_seconds(groups), cpu.depth_seconds(workers, WORKER_LEVELS)
    before_postgres = cpu.postgres_roles_seconds()
    began = time.perf_counter()
    posts = burst(stack, token, work)
    accepted_in = time.perf_counter() - began
    wait_until_graded()
    spent = cpu.difference(before, cpu.tree_seconds(groups))
    spent_workers = cpu.difference(before_workers, cpu.depth_seconds(workers, WORKER_LEVELS))
    after_postgres = cpu.postgres_roles_seconds()
    spent_postgres = {role: after_postgres[role] - before_postgres.get(role, 0.0) for role in after_postgres}
    window = Submission.objects.aggregate(first=Min("created_at"), last=Max("finished_at"))
    return {
        "posts": posts,
        "accepted_in": accepted_in,
        "span": (window["last"] - window["first"]).total_seconds(),
        "accepted": Submission.objects.filter(verdict="accepted").count(),
        "count": len(work),
        "cpu": spent,
        "workers": spent_workers if workers else {},
        "postgres": spent_postgres if workers else {},
    }


def constant_rate(url: str, rate: float, seconds: float, cookie: str, token: str) -> list[float]:
    """GET ``url`` ``rate`` times a second for ``seconds``, open loop, over kept-alive connections; the latency
    of each request, counted from when it was due to be sent (so a slow server cannot hide its delay by slowing
    the client down).

    A minimal HTTP/1.1 client on asyncio: this script shares the machine's two cores with the service, and a
    client that spent milliseconds of CPU per request (urllib in threads spent 6 to 12) would take them from it.
    """
    return asyncio.run(_constant_rate(urlsplit(url), rate, seconds, cookie, token))


async def _constant_rate(url, rate: float, seconds: float, cookie: str, token: str) -> list[float]:
    credentials = f"Cookie: {cookie}" if cookie else f"Authorization: Token {token}"
    request = f"GET {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\n{credentials}\r\n\r\n".encode()
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    latencies: list[float] = []

    async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head[:200]
        length = re.search(rb"(?im)^content-length: *(\d+)", head)
        if length:
            await reader.readexactly(int(length[1]))
        else:  # chunked
            while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
                await reader.readexactly(size + 2)
            await reader.readuntil(b"\r\n")

    async def one(due: float) -> None:
        connection = idle.pop() if idle else None
        try:
            connection = connection or await asyncio.open_connection(url.hostname, url.port)
            await exchange(*connection)
        except (asyncio.IncompleteReadError, ConnectionError):  # the server closed an idle kept-alive connection
            connection = await asyncio.open_connection(url.hostname, url.port)
            await exchange(*connection)
        latencies.append(time.perf_counter() - due)
        idle.append(connection)

    loop_start = time.perf_counter()
    tasks = []
    for n in range(int(rate * seconds)):
        due = loop_start + n / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(one(due)))
    await asyncio.gather(*tasks)
    for _, writer in idle:
        writer.close()
    return latencies


def baseline(slug: str, runs: int) -> dict[str, float]:
    """CPU per grading of ``slug``'s reference through ``grader.runner.grade``, in this process: with one long-lived
    zygote (as a worker grades), and with a fresh sandboxed interpreter started for each grading and stopped after
    it. Every process involved is a descendant of this one, so its tree's CPU is the whole cost."""
    from grader.runner import grade
    from quizsite.catalog.content import load_exercises
    from quizsite.catalog.validation import job_of, zygotes

    exercise = next(e for e in load_exercises(ROOT / "exercises") if e.slug == slug)
    mine = {"all": [os.getpid()]}
    figures = {}
    with zygotes() as started:
        grade(job_of(exercise, exercise.solution_code), started)  # the zygote's start is not a grading's cost
        before = cpu.tree_seconds(mine)["all"]
        for _ in range(runs):
            assert grade(job_of(exercise, exercise.solution_code), started).verdict == "accepted"
        figures["zygote"] = (cpu.tree_seconds(mine)["all"] - before) / runs
    spent = 0.0
    for _ in range(runs):
        before = cpu.tree_seconds(mine)["all"]
        with zygotes() as fresh:
            assert grade(job_of(exercise, exercise.solution_code), fresh).verdict == "accepted"
            # Read before the interpreter is stopped: killed, its CPU would never reach this process's tree.
            spent += cpu.tree_seconds(mine)["all"] - before
    figures["fresh"] = spent / runs
    return figures


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
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--every-exercise", type=int, default=0, metavar="N", help="CPU per graded submission, N each")
    parser.add_argument("--baseline", type=int, default=30, metavar="N", help="gradings per side of the baseline")
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
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from quizsite.learning.models import Submission
    from tests.reliability.stack import Stack

    user = get_user_model().objects.create_user(username="bench", password="bench-password-123")
    token = Token.objects.create(user=user).key
    browser = Client()
    browser.force_login(user)
    cookie = f"sessionid={browser.cookies['sessionid'].value}"
    solutions = {path.parent.name: path.read_text() for path in sorted((ROOT / "exercises").glob("*/solution.py"))}
    code = solutions["inverted-dropout"]

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

        profilers = []
        if args.profile is not None and local is None:
            profilers = [
                start_profiler(stack.workers["a"].pid, args.profile / "worker.svg"),
                start_profiler(stack.web.pid, args.profile / "web.svg"),
            ]
        cost = graded_cost(stack, token, [("inverted-dropout", code)] * args.burst)
        for profiler in profilers:
            stop_profiler(profiler)

        # A backlog that outlasts both page measurements, so the workers grade for the whole window.
        Submission.objects.all().delete()
        backlog = [("inverted-dropout", code)] * int(2 * args.seconds * max(1.0, cost["count"] / cost["span"]) * 1.5)
        burst(stack, token, backlog)
        pages = {
            "GET /api/v1/exercises/": constant_rate(
                f"{stack.base}/api/v1/exercises/", args.rate, args.seconds, "", token
            ),
            "GET /exercises/inverted-dropout/ (page)": constant_rate(
                f"{stack.base}/exercises/inverted-dropout/", args.rate, args.seconds, cookie, token
            ),
        }
        backlog_left = Submission.objects.exclude(status__in=Submission.FINAL_STATUSES).count()
        wait_until_graded()
        per_exercise = {}
        for slug, solution in solutions.items() if args.every_exercise else ():
            # Not counted: each worker's first grading of an exercise compiles its checks (and may import PyTorch).
            graded_cost(stack, token, [(slug, solution)] * 8)
            per_exercise[slug] = graded_cost(stack, token, [(slug, solution)] * args.every_exercise)
    finally:
        stack.stop()
    compared = baseline("inverted-dropout", args.baseline) if args.baseline else None

    ms = lambda seconds: f"{seconds * 1000:.0f} ms"  # noqa: E731
    setup = "`make run` defaults (SQLite, embedded Redis, serve)" if args.embedded else "PostgreSQL, Redis, gunicorn"
    print(f"{setup}; low load, {args.latency_runs} sequential submissions of the inverted-dropout reference:\n")
    print("| submit to final | median | p95 |\n|---|---|---|")
    print(f"| client (POST, GET every 10 ms) | {ms(statistics.median(client))} | {ms(percentile(client, 0.95))} |")
    print(f"| client (POST, then long poll) | {ms(statistics.median(pushed))} | {ms(percentile(pushed, 0.95))} |")
    print(f"| server (created_at to finished_at) | {ms(statistics.median(server))} | {ms(percentile(server, 0.95))} |")
    posts = cost["posts"]
    print(
        f"\nburst: {cost['count']} submissions accepted in {cost['accepted_in']:.1f} s "
        f"({cost['count'] / cost['accepted_in']:.0f}/s; POST median {ms(statistics.median(posts))}, p95 "
        f"{ms(percentile(posts, 0.95))}); graded, accepted: {cost['accepted']} in {cost['span']:.1f} s = "
        f"{cost['count'] / cost['span']:.1f} graded/s sustained\n"
    )
    print("| CPU per graded submission (burst) | ms |\n|---|---|")
    for part, seconds in cost["cpu"].items():
        print(f"| {part} | {seconds * 1000 / cost['count']:.1f} |")
    total = sum(cost["cpu"].values()) * 1000 / cost["count"]
    print(f"| **all processes of the service** | **{total:.1f}** |")
    for part, seconds in cost["workers"].items():
        print(f"| of the workers: {part} | {seconds * 1000 / cost['count']:.1f} |")
    for role, seconds in sorted(cost["postgres"].items(), key=lambda item: -item[1]):
        print(f"| of PostgreSQL: {role} | {seconds * 1000 / cost['count']:.1f} |")
    if compared:
        fresh = compared["fresh"] * 1000
        print(
            f"\nbaseline, {args.baseline} gradings each through grader.runner.grade: long-lived zygote "
            f"{compared['zygote'] * 1000:.1f} ms CPU per grading, fresh sandboxed interpreter per grading "
            f"{fresh:.1f} ms ({compared['fresh'] / compared['zygote']:.1f}x); a service grading that way would spend "
            f"about {total - compared['zygote'] * 1000 + fresh:.0f} ms per graded submission "
            f"({(total - compared['zygote'] * 1000 + fresh) / total:.1f}x)"
        )
    print(f"\n| while the workers grade a backlog ({backlog_left} still waiting at the end), "
          f"{args.rate:.0f} requests/s for {args.seconds:.0f} s each | median | p95 |\n|---|---|---|")  # fmt: skip
    for name, latencies in pages.items():
        print(f"| {name} | {ms(statistics.median(latencies))} | {ms(percentile(latencies, 0.95))} |")
    if per_exercise:
        print("\n| exercise | CPU per graded submission, all processes | graded/s |\n|---|---|---|")
        for slug, run in per_exercise.items():
            assert run["accepted"] == run["count"], (slug, run["accepted"])
            per_submission = sum(run["cpu"].values()) * 1000 / run["count"]
            print(f"| {slug} | {per_submission:.1f} ms | {run['count'] / run['span']:.1f} |")


if __name__ == "__main__":
    main()
