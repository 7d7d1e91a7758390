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
