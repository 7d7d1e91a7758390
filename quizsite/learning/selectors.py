"""Reads for submissions."""

from __future__ import annotations

import math
import statistics

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from quizsite.catalog.models import Topic
from quizsite.catalog.questions import QuestionError, correct_response
from quizsite.catalog.selectors import published_exercises, variant_of
from quizsite.courses.selectors import hidden_details_withheld, learners_taught_by
from quizsite.learning.display import response_texts
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
    # A regraded submission shows the result it replaced: one query for the page, not one per row.
    return queryset.prefetch_related("grading_records")


def _owned_by(user) -> Q:
    """A user's own things and, for an API client's service account, those of the client's learners."""
    return Q(user=user) | Q(user__external_identity__client__service_user=user)


def _visible_to(user) -> Q | None:
    """What ``user`` may see of learners' work: None for everything (superusers); instructors and teaching
    assistants their own and their courses' learners'; an API client its learners'; a learner their own."""
    if user.is_superuser:
        return None
    if user.is_staff:
        return _owned_by(user) | Q(user__in=learners_taught_by(user))
    return _owned_by(user)


def submissions_visible_to(user) -> QuerySet[Submission]:
    """The submissions ``user`` may see (see :func:`_visible_to`)."""
    queryset = Submission.objects.select_related("exercise", "user")
    rule = _visible_to(user)
    return queryset if rule is None else queryset.filter(rule)


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
            key = correct_response(variant)
            row.update(
                score=item.score,
                correct_response=key,
                explanation=variant.explanation,
                answer_texts=response_texts(variant, item.response),
                key_texts=response_texts(variant, key),
            )
        rows.append(row)
    return rows


def submission_previous(submission: Submission) -> Submission | None:
    """The same learner's submission to the same exercise just before this one (an example run counts: it is
    what the learner last ran), or None for their first."""
    earlier = Submission.objects.filter(
        user_id=submission.user_id, exercise_id=submission.exercise_id, created_at__lt=submission.created_at
    )
    return earlier.order_by("-created_at").first()


def attempt_review(attempt: Attempt) -> list[dict]:
    """Every question of ``attempt`` as staff review it, answered or not: the prompt of the variant this attempt
    showed, the learner's answer and the key in words, and the score.

    A question whose variant can no longer be rendered (its generator left the content) keeps its row, with
    ``error`` saying why, so one broken question does not hide the rest of the attempt.
    """
    rows = []
    for item in attempt.items.select_related("question__topic"):
        row = {"item": item, "question": item.question, "error": ""}
        try:
            variant = variant_of(item.question, str(attempt.pk))
        except QuestionError as exc:
            stored = [] if item.response is None else [repr(item.response)]
            row.update(prompt=item.question.prompt, answer=stored, key=[], error=str(exc))
        else:
            answer, key = response_texts(variant, item.response), response_texts(variant, correct_response(variant))
            row.update(prompt=variant.prompt, answer=answer, key=key)
        rows.append(row)
    return rows


def attempts_visible_to(user) -> QuerySet[Attempt]:
    """The quiz attempts ``user`` may see (see :func:`_visible_to`)."""
    queryset = Attempt.objects.select_related("quiz", "user")
    rule = _visible_to(user)
    return queryset if rule is None else queryset.filter(rule)


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


WITHHELD_MESSAGE = "Your course shows what the hidden checks found after the due date."


def results_shown_to(submission: Submission, viewer, decided: dict | None = None) -> list[dict]:
    """The per-check results ``viewer`` may read. Staff read others' work in full; for anyone else (the learner, or the
    API client acting for them) a course assignment on the exercise may withhold the hidden checks' messages
    until the due date (:func:`quizsite.courses.selectors.hidden_details_withheld`): pass or fail still shows.

    ``decided`` memoises that decision per learner and exercise across calls (a page of a list asks once per
    pair, not once per submission).
    """
    # Staff reach only work they may see; their own work as a course's learner is withheld like anyone's.
    # Nothing to withhold before there are results (a submission being answered or polled while queued).
    if not submission.results or (viewer is not None and viewer.is_staff and viewer.pk != submission.user_id):
        return submission.results
    decided = {} if decided is None else decided
    key = (submission.user_id, submission.exercise_id)
    if key not in decided:
        decided[key] = hidden_details_withheld(submission.user, submission.exercise_id, timezone.now())
    if not decided[key]:
        return submission.results
    return [
        result if result.get("public") else {**result, "message": WITHHELD_MESSAGE} for result in submission.results
    ]


def quiz_progress(user, quiz) -> dict:
    """Where ``user`` stands on ``quiz``: the attempt in progress (if any) with how many questions it has answered,
    attempts used, and whether another may start (a quiz with ``max_attempts`` caps them)."""
    own = Attempt.objects.filter(user=user, quiz=quiz)
    open_attempt = own.filter(status__in=[Attempt.Status.STARTED, Attempt.Status.ANSWERING]).first()
    responses = list(open_attempt.items.values_list("response", flat=True)) if open_attempt else []
    used = own.count()
    left = None if quiz.max_attempts is None else max(quiz.max_attempts - used, 0)
    return {
        "open_attempt": open_attempt,
        # Counted here: the answer is JSON, where "no answer" (SQL NULL) and a query for None part ways.
        "open_answered": sum(response is not None for response in responses),
        "open_total": len(responses),
        "attempts_used": used,
        "attempts_left": left,
        "can_start": open_attempt is not None or left is None or left > 0,
    }


def practice_links(attempt: Attempt) -> list[dict]:
    """The topics an attempt covered, weakest first, each with its published exercises: where to practise next."""
    scores = attempt.topic_scores or {}
    topics = Topic.objects.filter(slug__in=scores).order_by("position", "title")
    exercises: dict[int, list] = {}
    for exercise in published_exercises().filter(topic__in=topics).order_by("title"):
        exercises.setdefault(exercise.topic_id, []).append(exercise)
    rows = [{"topic": topic, "score": scores[topic.slug], "exercises": exercises.get(topic.pk, [])} for topic in topics]
    return sorted(rows, key=lambda row: row["score"])
