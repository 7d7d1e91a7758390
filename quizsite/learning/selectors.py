"""Reads for submissions."""

from __future__ import annotations

from django.db.models import QuerySet

from quizsite.catalog.questions import correct_response
from quizsite.catalog.selectors import variant_of
from quizsite.learning.models import Attempt, Submission


def submissions_filtered(
    user, *, exercise: str | None = None, learner: str | None = None, status: str | None = None, updated_since=None
) -> QuerySet[Submission]:
    """The submissions ``user`` may see, narrowed by the given filters."""
    queryset = submissions_visible_to(user)
    if exercise:
        queryset = queryset.filter(exercise__slug=exercise)
    if learner:
        queryset = queryset.filter(user__username=learner)
    if status:
        queryset = queryset.filter(status=status)
    if updated_since:
        queryset = queryset.filter(updated_at__gte=updated_since)
    return queryset


def submissions_visible_to(user) -> QuerySet[Submission]:
    """Staff see every submission; everyone else sees only their own."""
    queryset = Submission.objects.select_related("exercise", "user")
    if user.is_staff:
        return queryset
    return queryset.filter(user=user)


def attempt_questions(attempt: Attempt) -> list[dict]:
    """The attempt's questions as the learner may see them: answers and explanations only once graded."""
    graded = attempt.status == Attempt.Status.GRADED
    rows = []
    for item in attempt.items.select_related("question__topic"):
        variant = variant_of(item.question, str(attempt.pk))
        row = {**variant.public(), "topic": item.question.topic.slug, "response": item.response}
        if graded:
            row.update(score=item.score, correct_response=correct_response(variant), explanation=variant.explanation)
        rows.append(row)
    return rows


def attempts_visible_to(user) -> QuerySet[Attempt]:
    """Staff see every attempt; everyone else sees only their own."""
    queryset = Attempt.objects.select_related("quiz", "user")
    return queryset if user.is_staff else queryset.filter(user=user)


def grades(user) -> list[dict]:
    """Per learner and per exercise or quiz: best and latest score (staff: every learner)."""
    submissions = submissions_visible_to(user).filter(examples_only=False, status=Submission.Status.DONE)
    attempts = attempts_visible_to(user).filter(status=Attempt.Status.GRADED)
    rows: dict[tuple, dict] = {}
    # Oldest first, so the last score seen for a key is the latest one.
    for submission in submissions.order_by("created_at").select_related("user", "exercise"):
        _fold(rows, submission.user.username, "exercise", submission.exercise.slug, submission.score or 0.0,
              submission.finished_at)  # fmt: skip
    for attempt in attempts.order_by("started_at").select_related("user", "quiz"):
        _fold(rows, attempt.user.username, "quiz", attempt.quiz.slug, attempt.score or 0.0, attempt.submitted_at)
    return sorted(rows.values(), key=lambda row: (row["learner"], row["kind"], row["item"]))


def _fold(rows: dict, learner: str, kind: str, item: str, score: float, when) -> None:
    row = rows.setdefault(
        (learner, kind, item),
        {"learner": learner, "kind": kind, "item": item, "best": score, "latest": score, "tries": 0, "last_at": when},
    )
    row["best"] = max(row["best"], score)
    row["latest"] = score
    row["tries"] += 1
    row["last_at"] = when
