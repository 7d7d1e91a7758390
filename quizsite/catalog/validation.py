"""Prove an exercise's hidden checks: the reference is accepted, every known-wrong solution and the
starter are rejected, each through the real sandbox. Reads the content files, not the database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from grader.runner import Job, grade
from grader.sandbox.limits import Limits
from grader.sandbox.supervisor import Zygote
from quizsite.catalog.content import ExerciseContent


@dataclass(frozen=True)
class SampleResult:
    exercise: str
    sample: str
    verdict: str
    score: float
    expected: str
    milliseconds: int

    @property
    def ok(self) -> bool:
        accepted = self.verdict == "accepted"
        return accepted if self.expected == "accepted" else not accepted


@contextmanager
def zygotes(mode: str = "isolated") -> Iterator[dict[str, Zygote]]:
    """One started zygote per runtime, stopped afterwards."""
    started = {}
    try:
        for runtime in ("numpy", "torch"):
            started[runtime] = Zygote(mode=mode, runtime=runtime)
            started[runtime].start()
        yield started
    finally:
        for zygote in started.values():
            zygote.release_slot()


def limits_of(exercise: ExerciseContent) -> Limits:
    """The sandbox limits an exercise's info.toml asks for (defaults elsewhere)."""
    return Limits.from_exercise_units(**exercise.limits)


def exercise_validate(*, exercise: ExerciseContent, zygotes: dict[str, Zygote]) -> list[SampleResult]:
    """Grade the reference, the starter and every wrong solution of ``exercise``."""
    samples = [("solution", exercise.solution_code, "accepted"), ("starter", exercise.starter_code, "rejected")]
    samples += [(f"wrong/{name}", code, "rejected") for name, code in sorted(exercise.wrong_solutions.items())]
    results = []
    for name, code, expected in samples:
        started = time.monotonic()
        job = Job(code=code, checks_source=exercise.checks_source, limits=limits_of(exercise))
        report = grade(job, zygotes[exercise.runtime])
        elapsed = int((time.monotonic() - started) * 1000)
        results.append(SampleResult(exercise.slug, name, report.verdict, report.score, expected, elapsed))
    return results
