"""Reads for submissions."""

from __future__ import annotations

import math
import statistics

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet

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
        queryset = queryset.filter(Q(user__username=learner) | Q(user__external_identity__external_id=learner))
    if status:
        queryset = queryset.filter(status=status)
    if updated_since:
        queryset = queryset.filter(updated_at__gte=updated_since)
    return queryset


def _owned_by(user) -> Q:
    """A user's own things and, for an API client's service account, those of the client's learners."""
    return Q(user=user) | Q(user__external_identity__client__service_user=user)


def submissions_visible_to(user) -> QuerySet[Submission]:
    """Staff see every submission; an API client those of its learners; a learner only their own."""
    queryset = Submission.objects.select_related("exercise", "user")
    if user.is_staff:
        return queryset
    return queryset.filter(_owned_by(user))


def submission_queue_estimate(submission: Submission) -> dict | None:
    """Where a submission that is not final stands: how many wait before it, about how long until it is
    graded, and whether the queue is longer than ``GRADING_QUEUE_BUSY_AFTER``. None once final."""
    if submission.is_final:
        return None
    queued = Q(status=Submission.Status.QUEUED)
    running = Q(status=Submission.Status.RUNNING)
    counters = {"queued": Count("pk", filter=queued), "running": Count("pk", filter=running)}
    if submission.status == Submission.Status.QUEUED:
        # Its own field: the sweeper resending a lost message must not move anything in the line.
        counters["ahead"] = Count("pk", filter=queued & Q(queued_at__lt=submission.queued_at))
    # One query, since clients poll this.
    counts = Submission.objects.filter(queued | running).aggregate(**counters)
    ahead = counts.get("ahead", 0)
    expected = math.ceil(((ahead + counts["running"]) / settings.GRADING_SLOTS + 1) * _typical_grading_seconds())
    return {
        "ahead": ahead,
        "expected_wait_seconds": expected,
        "busy": counts["queued"] > settings.GRADING_QUEUE_BUSY_AFTER,
    }


def _typical_grading_seconds() -> float:
    """Median grading time of the last 100 graded submissions (1 s before there are any), cached for 30 s."""
    cached = cache.get("typical_grading_seconds")
    if cached is None:
        recent = Submission.objects.filter(grading_ms__isnull=False).order_by("-finished_at")[:100]
        times = list(recent.values_list("grading_ms", flat=True))
        cached = statistics.median(times) / 1000 if times else 1.0
        cache.set("typical_grading_seconds", cached, 30)
    return cached


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
    """Staff see every attempt; an API client those of its learners; a learner only their own."""
    queryset = Attempt.objects.select_related("quiz", "user")
    return queryset if user.is_staff else queryset.filter(_owned_by(user))


def grades(user) -> list[dict]:
    """Per learner and per exercise or quiz: best and latest score, for the learners ``user`` may see.

    ``external_id`` is the learner's id at the API client that created them (None for other accounts).
    """
    submissions = submissions_visible_to(user).filter(examples_only=False, status=Submission.Status.DONE)
    attempts = attempts_visible_to(user).filter(status=Attempt.Status.GRADED)
    rows: dict[tuple, dict] = {}
    # Oldest first, so the last score seen for a key is the latest one.
    for submission in submissions.order_by("created_at").select_related("user__external_identity", "exercise"):
        _fold(rows, submission.user, "exercise", submission.exercise.slug, submission.score or 0.0,
              submission.finished_at)  # fmt: skip
    for attempt in attempts.order_by("started_at").select_related("user__external_identity", "quiz"):
        _fold(rows, attempt.user, "quiz", attempt.quiz.slug, attempt.score or 0.0, attempt.submitted_at)
    return sorted(rows.values(), key=lambda row: (row["learner"], row["kind"], row["item"]))


def _fold(rows: dict, learner, kind: str, item: str, score: float, when) -> None:
    identity = getattr(learner, "external_identity", None)
    row = rows.setdefault(
        (learner.pk, kind, item),
        {"learner": learner.username, "external_id": identity.external_id if identity else None, "kind": kind,
         "item": item, "best": score, "latest": score, "tries": 0, "last_at": when},
    )  # fmt: skip
    row["best"] = max(row["best"], score)
    row["latest"] = score
    row["tries"] += 1
    row["last_at"] = when
