"""Time of the pairwise similarity of an assignment's submissions (``quizsite.courses.similarity.compare``).

    .venv/bin/python bench/similarity.py [--submissions 100] [--files-per-submission 1] [--runs 5]

The submissions are real code: every exercise's reference solution and named wrong solutions (each wrong
one a near-copy of its solution, so many pairs share most of their code: the expensive case), drawn with a
fixed seed, every other one with its names changed. ``--files-per-submission 4`` joins four of them into
each submission for longer code. No database: the selector around it is three queries.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", "bench-only-insecure-key")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quizsite.settings")

import django  # noqa: E402

django.setup()

from quizsite.courses.similarity import compare  # noqa: E402

# Names common in the exercises: renaming them changes the text a person sees, not the tokens compared.
RENAMED = re.compile(r"\b(x|p|mask|grad_out|loss|weights|scores)\b")


def submissions(count: int, files_each: int) -> list[str]:
    """``count`` codes of ``files_each`` real solutions each, drawn with a fixed seed."""
    pool = sorted(ROOT.glob("exercises/*/solution.py")) + sorted(ROOT.glob("exercises/*/wrong/*.py"))
    sources = [path.read_text(encoding="utf-8") for path in pool]
    rng = random.Random(2027)
    codes = []
    for index in range(count):
        code = "\n\n".join(rng.choice(sources) for _ in range(files_each))
        if index % 2:
            code = RENAMED.sub(lambda found: found.group(1) + "_renamed", code)
        codes.append(code)
    return codes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--files-per-submission", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    codes = submissions(args.submissions, args.files_per_submission)
    starter = (ROOT / "exercises/inverted-dropout/starter.py").read_text(encoding="utf-8")
    wall, cpu, pairs = [], [], []
    for _ in range(args.runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        pairs = compare(dict(enumerate(codes)), starter=starter)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    lines = sum(code.count("\n") + 1 for code in codes) / len(codes)
    print(
        f"{len(codes)} submissions, {lines:.0f} lines each on average: {len(pairs)} pairs share code; "
        f"median of {args.runs} runs {statistics.median(wall) * 1000:.0f} ms "
        f"(CPU {statistics.median(cpu) * 1000:.0f} ms), worst {max(wall) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
