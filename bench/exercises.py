"""Grading time of each exercise's reference solution, through the worker's grading path.

    .venv/bin/python bench/exercises.py [--runs 20] [slug ...]

Each run is what the Celery task does after claiming a submission: ``grader.runner.grade`` with the
exercise's limits, in a fresh sandboxed child from the worker's zygote for that exercise's runtime,
every hidden check included. Queueing and database writes are not included (see bench/load.py when
it exists). Prints a Markdown table; run it as root.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.runner import grade  # noqa: E402
from quizsite.catalog.content import load_exercises  # noqa: E402
from quizsite.catalog.validation import job_of, zygotes  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("slugs", nargs="*")
    args = parser.parse_args()
    exercises = [e for e in load_exercises(ROOT / "exercises") if not args.slugs or e.slug in args.slugs]
    rows = []
    with zygotes() as started:
        for exercise in exercises:
            grade(job_of(exercise, exercise.solution_code), started)  # warm-up
            times, checks = [], 0
            for _ in range(args.runs):
                job = job_of(exercise, exercise.solution_code)  # every grading draws its own hidden cases
                began = time.perf_counter()
                report = grade(job, started)
                times.append(time.perf_counter() - began)
                assert report.verdict == "accepted", (exercise.slug, report.message)
                checks = len(report.results)
            ordered = sorted(times)
            p95 = ordered[int(0.95 * (len(ordered) - 1))]
            rows.append((exercise.slug, exercise.runtime, checks, statistics.median(ordered) * 1000, p95 * 1000))
    print(f"runs per exercise: {args.runs}\n")
    print("| exercise | runtime | checks | median | p95 |")
    print("|---|---|---|---|---|")
    for slug, runtime, checks, median, p95 in rows:
        print(f"| {slug} | {runtime} | {checks} | {median:.0f} ms | {p95:.0f} ms |")


if __name__ == "__main__":
    main()
