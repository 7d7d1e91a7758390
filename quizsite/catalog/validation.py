"""Prove an exercise's hidden checks: the reference is accepted, the starter is rejected, and every
known-wrong solution gets the verdict its header declares by failing the checks it names, each through
the real sandbox. Grades an exercise read from its files (``validate_exercises``, CI) or from its stored
row (:func:`content_of`: the validation runs that publish it); writes nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from grader.runner import Job, Report, grade
from grader.sandbox.limits import DEFAULT_EXERCISE_UNITS, Limits
from grader.sandbox.supervisor import ZygotePool
from grader.vocabulary import Verdict
from quizsite.catalog.content import ExerciseContent, WrongSolution

if TYPE_CHECKING:
    from quizsite.catalog.models import Exercise

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
    # The checks its header says it must fail, the ones it did fail, and the grading's own message.
    fails: tuple[str, ...] = ()
    failed_checks: tuple[str, ...] = ()
    message: str = ""

    @property
    def ok(self) -> bool:
        if self.expected == REJECTED:
            return self.verdict != Verdict.ACCEPTED
        return self.verdict == self.expected and not self.passed_unexpectedly

    def as_dict(self) -> dict:
        """The result as stored in a validation run's report (JSON)."""
        return {**asdict(self), "ok": self.ok}


class ValidationOutOfTime(Exception):
    """The deadline came before every sample was graded; ``results`` holds those that were."""

    def __init__(self, results: list[SampleResult], total: int) -> None:
        super().__init__(f"stopped after {len(results)} of {total} samples to stay within the time limit")
        self.results = results


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


def content_of(exercise: Exercise) -> ExerciseContent:
    """A stored exercise as the content it was synced from (what a validation grades)."""
    wrong = {
        item["name"]: WrongSolution(item["name"], item["code"], item["mistake"], item["verdict"], tuple(item["fails"]))
        for item in exercise.wrong_solutions
    }
    return ExerciseContent(
        uuid=exercise.uuid,
        slug=exercise.slug,
        title=exercise.title,
        topic=exercise.topic.slug,
        difficulty=exercise.difficulty,
        points=exercise.points,
        statement=exercise.statement,
        starter_code=exercise.starter_code,
        solution_code=exercise.solution_code,
        checks_source=exercise.checks_source,
        limits={name: getattr(exercise, name) for name in DEFAULT_EXERCISE_UNITS},
        runtime=exercise.runtime,
        public_examples=list(exercise.public_examples),
        wrong_solutions=wrong,
        content_hash=exercise.content_hash,
        allowed_imports=tuple(exercise.allowed_imports),
    )


def exercise_validate(
    *, exercise: ExerciseContent, zygotes: ZygotePool, deadline: float | None = None
) -> list[SampleResult]:
    """Grade the reference, the starter and every wrong solution of ``exercise``.

    With a ``deadline`` (a ``time.monotonic()`` value), no grading starts after it: raises
    :class:`ValidationOutOfTime` with the results so far. A failing sandbox raises ``SandboxUnavailable``.
    """
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
        if deadline is not None and time.monotonic() > deadline:
            raise ValidationOutOfTime(results, len(samples))
        started = time.monotonic()
        report = grade(job_of(exercise, code), zygotes)
        elapsed = int((time.monotonic() - started) * 1000)
        failed = tuple(result.name for result in report.results if not result.passed)
        results.append(
            SampleResult(
                exercise.slug,
                name,
                report.verdict,
                report.score,
                expected,
                elapsed,
                _passed(report, fails),
                fails=tuple(fails),
                failed_checks=failed,
                message=report.message,
            )
        )
    return results


def _passed(report: Report, must_fail: tuple[str, ...]) -> tuple[str, ...]:
    passed = {result.name for result in report.results if result.passed}
    return tuple(name for name in must_fail if name in passed)
