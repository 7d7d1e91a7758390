"""Reads for the help an exercise offers a learner: the hints of the checks they failed, and whether the
reference solution is theirs to see (the one place that rule is decided; the API and the page call it).

Hints are not secret: each is written to be safe to show to anyone who failed its check, hidden checks
included. The reference solution is: it is shown only after an accepted submission, or after the
exercise's ``reference_after_attempts`` graded submissions, and never while a course the learner is in
still counts work on the exercise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q
from django.utils import timezone

from grader.vocabulary import Verdict
from quizsite.catalog.models import Exercise
from quizsite.courses.models import Extension
from quizsite.courses.selectors import graded_submissions, learner_assignments, terms_for
from quizsite.learning.models import HintUnlock

AFTER_ACCEPTANCE = "after an accepted submission"
AFTER_DUE_DATE = "after the assignment's due date"
AFTER_CUTOFF = "after the assignment's cut-off for late work"


@dataclass(frozen=True)
class ReferenceAccess:
    """Whether a learner may see an exercise's reference solution, and if not, when they will."""

    unlocked: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.unlocked


def failed_check_titles(user, exercise: Exercise) -> set[str]:
    """Titles of the checks ``user`` failed in any finished submission to ``exercise``, example runs
    included (failing a public example is a failed attempt at that check): the unlocks
    :func:`quizsite.learning.services.hints_unlock` wrote as results became final."""
    if not user.is_authenticated:
        return set()
    return set(HintUnlock.objects.filter(user=user, exercise=exercise).values_list("check_name", flat=True))


def unlocked_hints(user, exercise: Exercise) -> list[tuple[str, str]]:
    """``(check title, Markdown hint)`` for every check of ``exercise`` that ``user`` has failed, in the
    order of checks.py; empty for anonymous users."""
    failed = failed_check_titles(user, exercise)
    return [(item["check"], item["hint"]) for item in exercise.hints if item["check"] in failed]


def with_hints(results: list[dict], exercise: Exercise) -> list[dict]:
    """``results`` (check results as shown to the viewer), each with ``hint``: the check's hint if it
    failed, else None. Safe for hidden checks too: a hint names the idea a check tests, never its inputs,
    so it adds nothing that withholding a hidden check's message keeps back."""
    hints = {item["check"]: item["hint"] for item in exercise.hints}
    return [{**result, "hint": None if result.get("passed") else hints.get(result["name"])} for result in results]


def reference_unlocked(user, exercise: Exercise, now: datetime | None = None) -> ReferenceAccess:
    """Whether ``user`` may see ``exercise``'s reference solution at ``now`` (default: the current time).

    Locked while any course ``user`` learns in has an assignment of the exercise that still counts work
    (see :func:`_open_assignment_reason`); otherwise unlocked by an accepted graded submission, or by
    ``reference_after_attempts`` graded submissions when the exercise sets it. Only ``user``'s own
    submissions count. The reason says when it unlocks, phrased to follow "shown ...".
    """
    if not user.is_authenticated:
        return ReferenceAccess(False, _attempts_reason(exercise, 0))
    blocked = _open_assignment_reason(user, exercise, now or timezone.now())
    if blocked:
        return ReferenceAccess(False, blocked)
    # One query for both counts: this runs on every exercise page.
    counts = graded_submissions([user], [exercise.pk]).aggregate(
        accepted=Count("pk", filter=Q(verdict=Verdict.ACCEPTED)), graded=Count("pk")
    )
    if counts["accepted"]:
        return ReferenceAccess(True)
    count = counts["graded"]
    if exercise.reference_after_attempts is not None and count >= exercise.reference_after_attempts:
        return ReferenceAccess(True)
    return ReferenceAccess(False, _attempts_reason(exercise, count))


def _attempts_reason(exercise: Exercise, count: int) -> str:
    needed = exercise.reference_after_attempts
    if needed is None:
        return AFTER_ACCEPTANCE
    return f"{AFTER_ACCEPTANCE} or after {needed} attempts ({count} so far)"


def _open_assignment_reason(user, exercise: Exercise, now: datetime) -> str:
    """Why a course keeps the reference from ``user`` at ``now``, or "" if none does.

    An assignment of the exercise in a course ``user`` learns in blocks it until the learner's due date
    (an extension moves it) and, when the assignment takes late work until a later cut-off, until that
    cut-off: a reference seen before then could be submitted for marks. One without either date never
    closes, so it blocks for as long as it exists.
    """
    assignments = list(learner_assignments(user, exercise.pk))
    if not assignments:
        return ""  # self-study: no course to ask about extensions
    extensions = {
        item.assignment_id: item for item in Extension.objects.filter(learner=user, assignment__in=assignments)
    }
    for assignment in assignments:
        terms = terms_for(assignment, extensions.get(assignment.pk))
        dates = [date for date in (terms.due_at, terms.cutoff_at) if date is not None]
        if dates and now >= max(dates):
            continue
        # Before the due date, that is the date to name; past it, late work counts until the cut-off.
        if terms.cutoff_at is not None and (terms.due_at is None or now >= terms.due_at):
            return AFTER_CUTOFF
        return AFTER_DUE_DATE
    return ""


def exercise_help_context(user, exercise: Exercise) -> dict:
    """Template context for ``web/_exercise_help.html``: ``hints`` (each a dict with ``check`` and
    Markdown ``hint``) and ``reference`` (``unlocked``, ``reason``, and ``code`` only when unlocked)."""
    access = reference_unlocked(user, exercise)
    return {
        "hints": [{"check": title, "hint": hint} for title, hint in unlocked_hints(user, exercise)],
        "reference": {
            "unlocked": access.unlocked,
            "reason": access.reason,
            "code": exercise.solution_code if access.unlocked else "",
        },
    }
