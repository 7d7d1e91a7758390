"""Prove an exercise's hidden checks: the reference is accepted, the starter is rejected, and every
known-wrong solution gets the verdict its header declares by failing the checks it names, each through
the real sandbox. Reads the content files, not the database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from grader.runner import Job, Report, grade
from grader.sandbox.limits import Limits
from grader.sandbox.supervisor import ZygotePool
from grader.vocabulary import Verdict
from quizsite.catalog.content import ExerciseContent

REJECTED = "rejected"


@dataclass(frozen=True)
class SampleResult:
    exercise: str
    sample: str
    verdict: str
    score: float
    expected: str
    milliseconds: int
    # Checks the sample had to fail but passed: it was rejected for another reason than its mistake.
    passed_unexpectedly: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        if self.expected == REJECTED:
            return self.verdict != Verdict.ACCEPTED
        return self.verdict == self.expected and not self.passed_unexpectedly


@contextmanager
def zygotes(mode: str = "isolated") -> Iterator[ZygotePool]:
    """A pool of zygotes (one per runtime, started on first use), stopped afterwards."""
    pool = ZygotePool(mode)
    try:
        yield pool
    finally:
        pool.close()


def limits_of(exercise: ExerciseContent) -> Limits:
    """The sandbox limits an exercise's info.toml asks for (defaults elsewhere)."""
    return Limits.from_exercise_units(**exercise.limits)


def job_of(exercise: ExerciseContent, code: str, *, public_only: bool = False) -> Job:
    """A grading job for ``code`` against ``exercise``'s checks, as the worker builds it."""
    return Job(
        code=code,
        checks_source=exercise.checks_source,
        limits=limits_of(exercise),
        runtime=exercise.runtime,
        allowed_modules=frozenset(exercise.allowed_imports),
        public_only=public_only,
    )


def exercise_validate(*, exercise: ExerciseContent, zygotes: ZygotePool) -> list[SampleResult]:
    """Grade the reference, the starter and every wrong solution of ``exercise``."""
    samples = [
        ("solution", exercise.solution_code, Verdict.ACCEPTED, ()),
        ("starter", exercise.starter_code, REJECTED, ()),
    ]
    samples += [
        (f"wrong/{name}", wrong.code, wrong.verdict, wrong.fails)
        for name, wrong in sorted(exercise.wrong_solutions.items())
    ]
    results = []
    for name, code, expected, fails in samples:
        started = time.monotonic()
        report = grade(job_of(exercise, code), zygotes)
        elapsed = int((time.monotonic() - started) * 1000)
        passed = _passed(report, fails)
        results.append(SampleResult(exercise.slug, name, report.verdict, report.score, expected, elapsed, passed))
    return results


def _passed(report: Report, must_fail: tuple[str, ...]) -> tuple[str, ...]:
    passed = {result.name for result in report.results if result.passed}
    return tuple(name for name in must_fail if name in passed)
