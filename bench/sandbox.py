"""Sandbox benchmark: the zygote sandbox against a fresh interpreter per job, on this machine.

    .venv/bin/python bench/sandbox.py [--jobs 200] [--fresh-jobs 200]

(a) zygote: every layer on, NumPy jobs from a NumPy-only zygote and PyTorch jobs from one that also
    preloads PyTorch (fork from the pre-warmed zygote, namespaces, private tmpfs, rlimits,
    per-slot uid, seccomp); a job is fork + load the code + one call + reply + kill + exit report.
(b) fresh: `unshare --net --mount --fork` + `prlimit` with the same limits, starting
    `python -I -c ...` for each job, which must import NumPy (or PyTorch) itself: how codejail-style
    graders work.
Prints a Markdown table; run it as root (the sandbox needs namespaces).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from grader.sandbox.limits import Limits  # noqa: E402
from grader.sandbox.supervisor import Zygote  # noqa: E402

JOBS = {
    "numpy": (
        "import numpy as np\ndef job(x):\n    return np.tanh(x @ x.T).sum(axis=0)\n",
        "import numpy as np\nx = np.ones((8, 8))\nprint(np.tanh(x @ x.T).sum(axis=0).sum())\n",
    ),
    "torch": (
        "import torch\ndef job(x):\n    t = torch.from_numpy(x).requires_grad_()\n"
        "    torch.tanh(t @ t.T).sum().backward()\n    return t.grad\n",
        "import numpy as np, torch\nt = torch.ones(8, 8, dtype=torch.float64, requires_grad=True)\n"
        "torch.tanh(t @ t.T).sum().backward()\nprint(float(t.grad.sum()))\n",
    ),
}
LIMITS = Limits()


def zygote_job(zygote: Zygote, source: str) -> float:
    started = time.perf_counter()
    with zygote.run(LIMITS, seed=1) as run:
        assert run.request({"op": "load", "source": source})["ok"]
        reply = run.request({"op": "call", "name": "job", "args": [np.ones((8, 8))]})
        assert reply["ok"], reply
    return time.perf_counter() - started


def spaced_job(zygote: Zygote, source: str) -> float:
    """A job arriving after a pause, as submissions do: the zygote's spare child is ready."""
    time.sleep(0.02)
    return zygote_job(zygote, source)


def fresh_job(script: str) -> float:
    memory = LIMITS.memory_bytes + (3 << 30)  # the interpreter maps its own libraries first
    command = [
        "unshare", "--net", "--mount", "--fork", "--",
        "prlimit", f"--cpu={int(LIMITS.cpu_seconds) + 30}", f"--as={memory}", f"--nproc={LIMITS.max_processes * 64}",
        f"--fsize={LIMITS.file_bytes}", f"--nofile={LIMITS.open_files}", "--core=0", "--",
        sys.executable, "-I", "-c", script,
    ]  # fmt: skip
    env = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    env.update({key: os.environ[key] for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if key in os.environ})
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, timeout=60)
    return time.perf_counter() - started


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000


def _throughput_worker(runtime: str, source: str, jobs: int, barrier, results) -> None:
    zygote = Zygote(runtime=runtime)
    zygote.start()
    zygote_job(zygote, source)
    barrier.wait()
    for _ in range(jobs):
        zygote_job(zygote, source)
    results.put(time.perf_counter())
    zygote.release_slot()


def throughput(in_flight: int, runtime: str, source: str, jobs_each: int) -> float:
    """Jobs per second with ``in_flight`` worker processes, each with its own zygote (as Celery runs)."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(in_flight + 1)
    results = context.Queue()
    workers = [
        context.Process(target=_throughput_worker, args=(runtime, source, jobs_each, barrier, results))
        for _ in range(in_flight)
    ]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    finished = max(results.get() for _ in workers)
    for worker in workers:
        worker.join()
    return in_flight * jobs_each / (finished - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=200, help="jobs per measurement for the zygote")
    parser.add_argument("--fresh-jobs", type=int, default=200, help="jobs per measurement for a fresh process")
    args = parser.parse_args()

    rows = []
    for kind, (source, script) in JOBS.items():
        one = throughput(1, kind, source, args.jobs)
        two = throughput(2, kind, source, args.jobs // 2)
        zygote = Zygote(runtime=kind)
        zygote.start()
        for _ in range(10):
            zygote_job(zygote, source)  # warm the page cache and the allocator
        back_to_back = summary([zygote_job(zygote, source) for _ in range(args.jobs)])
        spaced = summary([spaced_job(zygote, source) for _ in range(args.jobs)])
        zygote.release_slot()
        fresh = summary([fresh_job(script) for _ in range(args.fresh_jobs)])
        rows.append((kind, back_to_back, spaced, fresh, one, two))

    print(f"jobs: zygote {args.jobs} per cell, fresh process {args.fresh_jobs} per cell; {os.cpu_count()} CPUs\n")
    print(
        "| job | (a) zygote, back to back: median / p95 | (a) zygote, 20 ms apart: median / p95 |"
        " (b) fresh process: median / p95 | speed-up, back to back | jobs/s, 1 in flight | jobs/s, 2 in flight |"
    )
    print("|---|---|---|---|---|---|---|")
    for kind, (tight, tight_p95), (spaced, spaced_p95), (fresh, fresh_p95), one, two in rows:
        print(
            f"| {kind} | {tight:.1f} / {tight_p95:.1f} ms | {spaced:.1f} / {spaced_p95:.1f} ms | "
            f"{fresh:.0f} / {fresh_p95:.0f} ms | {fresh / tight:.0f}x | {one:.0f} | {two:.0f} |"
        )


if __name__ == "__main__":
    main()
