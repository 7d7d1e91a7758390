"""Writes for quiz attempts: start, answer (saved as given), submit (graded at once, then frozen).

Lifecycle: ``started`` -> ``answering`` (first saved answer) -> ``submitted`` -> ``graded``. Grading
needs no worker: the same request that submits also grades, so a submitted attempt is always graded.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from quizsite.catalog import questions
from quizsite.catalog.models import Question, Quiz
from quizsite.catalog.selectors import variant_of
from quizsite.learning.idempotency import idempotent_create
from quizsite.learning.models import Attempt, AttemptItem, IdempotencyKey
from quizsite.learning.progress import weakest_topics
from quizsite.lti import passback
from quizsite.webhooks.services import attempt_submitted_emit

Status = Attempt.Status
OPEN_STATUSES = (Status.STARTED, Status.ANSWERING)


class AttemptError(Exception):
    """The request cannot be honoured; ``code`` says why (for a clear API error)."""

    def __init__(self, code: str, message: str, *, field: str | None = None, attempt: Attempt | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        # For "attempt_open": the attempt in progress, to resume.
        self.attempt = attempt


@transaction.atomic
def attempt_start(*, user, quiz: Quiz) -> Attempt:
    """Start an attempt with its questions chosen.

    Raises ``AttemptError("attempt_open")`` (with the attempt) while one of this quiz is in progress,
    and ``AttemptError("attempt_limit")`` past the cap. An open attempt whose time is up is submitted
    first (what was saved is graded). Starts by one learner are serialised by a row lock on the learner,
    so concurrent requests cannot both pass the checks; a partial unique index keeps one open attempt
    per learner and quiz even so.
    """
    get_user_model().objects.select_for_update().get(pk=user.pk)
    for expired in Attempt.objects.filter(
        user=user, quiz=quiz, status__in=OPEN_STATUSES, deadline__isnull=False, deadline__lte=timezone.now()
    ):
        attempt_submit(attempt=expired)
    open_attempt = Attempt.objects.filter(user=user, quiz=quiz, status__in=OPEN_STATUSES).first()
    if open_attempt is not None:
        raise AttemptError("attempt_open", "An attempt of this quiz is in progress; resume it.", attempt=open_attempt)
    if quiz.max_attempts is not None:
        used = Attempt.objects.filter(user=user, quiz=quiz).count()
        if used >= quiz.max_attempts:
            raise AttemptError("attempt_limit", f"This quiz allows {quiz.max_attempts} attempts; all are used.")
    attempt = Attempt.objects.create(
        user=user,
        quiz=quiz,
        deadline=timezone.now() + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None,
    )
    chosen = _choose_questions(quiz, user, random.Random(attempt.pk.int))  # noqa: S311 - not security
    if not chosen:
        raise AttemptError("no_questions", "This quiz has no questions yet.")
    AttemptItem.objects.bulk_create(
        AttemptItem(attempt=attempt, question=question, position=index) for index, question in enumerate(chosen)
    )
    return attempt


def attempt_start_idempotent(*, user, quiz: Quiz, key: str) -> tuple[Attempt, bool]:
    """Like :func:`attempt_start`, but a retry with the same ``key`` returns the attempt the first request started
    (even once submitted) instead of starting or refusing another; returns ``(attempt, replayed)``."""
    return idempotent_create(
        user=user,
        key=key,
        resource=IdempotencyKey.Resource.ATTEMPT,
        request=str(quiz.pk),
        create=lambda: attempt_start(user=user, quiz=quiz),
        find=lambda pk: Attempt.objects.filter(pk=pk).first(),
    )


def _choose_questions(quiz: Quiz, user, rng: random.Random) -> list[Question]:
    active = Question.objects.filter(is_active=True).select_related("topic")
    if quiz.mode == Quiz.Mode.FIXED:
        by_key = {question.key: question for question in active.filter(key__in=quiz.question_keys)}
        return [by_key[key] for key in quiz.question_keys if key in by_key]
    if quiz.mode == Quiz.Mode.ADAPTIVE:
        # Among the quiz's topics (all, if it names none) that have questions at all.
        candidates = set(active.values_list("topic_id", flat=True))
        named = set(quiz.topics.values_list("id", flat=True))
        topics = weakest_topics(user, count=3, among=candidates & named if named else candidates)
    else:
        topics = list(quiz.topics.all())
    pools = {topic.id: list(active.filter(topic=topic).order_by("key")) for topic in topics}
    for pool in pools.values():
        rng.shuffle(pool)
    # Round-robin over the topics, so a mixed quiz covers them evenly.
    order = [topic_id for topic_id in pools if pools[topic_id]]
    rng.shuffle(order)
    chosen: list[Question] = []
    while len(chosen) < quiz.question_count and any(pools[topic_id] for topic_id in order):
        for topic_id in order:
            if pools[topic_id] and len(chosen) < quiz.question_count:
                chosen.append(pools[topic_id].pop())
    return chosen


def _locked_open_attempt(attempt_id) -> Attempt:
    # Row lock: an answer and a submit racing on the same attempt are applied one after the other.
    attempt = Attempt.objects.select_for_update().get(pk=attempt_id)
    if not attempt.is_open:
        raise AttemptError("already_submitted", "This attempt has been submitted; it can no longer change.")
    return attempt


@transaction.atomic
def attempt_answer(*, attempt: Attempt, question_key: str, response) -> AttemptItem:
    """Save (or replace) the answer to one question of an open attempt before its deadline."""
    attempt = _locked_open_attempt(attempt.pk)
    if attempt.deadline is not None and timezone.now() > attempt.deadline:
        raise AttemptError("time_up", "The time limit for this attempt has run out; submit it to see your results.")
    item = attempt.items.select_related("question__topic").filter(question__key=question_key).first()
    if item is None:
        raise AttemptError("unknown_question", f"Question {question_key!r} is not part of this attempt.")
    try:
        questions.score(variant_of(item.question, str(attempt.pk)), response)
    except questions.InvalidAnswer as exc:
        raise AttemptError("invalid_answer", f"Invalid answer: {exc}.", field="response") from exc
    item.response = response
    item.answered_at = timezone.now()
    item.save(update_fields=["response", "answered_at"])
    if attempt.status == Status.STARTED:
        attempt.status = Status.ANSWERING
    # updated_at too: an answer changes the attempt for a client syncing attempts.
    attempt.save(update_fields=["status", "updated_at"])
    return item


@transaction.atomic
def attempt_submit(*, attempt: Attempt) -> Attempt:
    """Submit and grade an open attempt (also after its deadline: what was saved is graded)."""
    attempt = _locked_open_attempt(attempt.pk)
    attempt.status = Status.SUBMITTED
    attempt.submitted_at = timezone.now()
    attempt.save(update_fields=["status", "submitted_at", "updated_at"])
    totals: dict[str, list[float]] = {}
    items = list(attempt.items.select_related("question__topic"))
    for item in items:
        variant = variant_of(item.question, str(attempt.pk))
        item.score = questions.score(variant, item.response) if item.response is not None else 0.0
        totals.setdefault(item.question.topic.slug, []).append(item.score)
    AttemptItem.objects.bulk_update(items, ["score"])
    attempt.topic_scores = {topic: sum(scores) / len(scores) for topic, scores in totals.items()}
    attempt.score = sum(item.score for item in items) / len(items)
    attempt.status = Status.GRADED
    attempt.save(update_fields=["topic_scores", "score", "status", "updated_at"])
    attempt_submitted_emit(attempt=attempt)
    passback.work_changed(learner_id=attempt.user_id, quiz_id=attempt.quiz_id)
    return attempt
