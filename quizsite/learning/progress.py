"""Reads about a learner's progress: per-topic mastery, history, what to practise next."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Max

from quizsite.catalog.models import Topic
from quizsite.catalog.selectors import published_exercises
from quizsite.learning.models import Attempt, AttemptItem, Submission

# Mastery looks at the most recent answers only, so it moves as the learner improves.
RECENT_ANSWERS = 20


@dataclass(frozen=True)
class TopicMastery:
    topic: Topic
    mastery: float | None  # None: nothing answered or attempted yet
    # Questions of graded attempts that count towards mastery (a skipped one counts as 0).
    questions_counted: int
    exercises_done: int
    exercises_total: int


def topic_mastery(user) -> list[TopicMastery]:
    """Per topic: the mean of recent quiz-answer scores and best exercise scores (each counts once)."""
    best_exercise = dict(
        Submission.objects.filter(user=user, examples_only=False, status=Submission.Status.DONE)
        .values("exercise")
        .annotate(best=Max("score"))
        .values_list("exercise", "best")
    )
    exercises_by_topic: dict[int, list[int]] = {}
    for exercise_id, topic_id in published_exercises().values_list("id", "topic_id"):
        exercises_by_topic.setdefault(topic_id, []).append(exercise_id)
    result = []
    for topic in Topic.objects.order_by("position"):
        # Recency is the attempt's: a question skipped in the latest attempt is as recent as the ones
        # answered there. (Ordering by answered_at put skipped items, NULL, first on PostgreSQL.)
        recent = list(
            AttemptItem.objects.filter(attempt__user=user, attempt__status=Attempt.Status.GRADED, question__topic=topic)
            .order_by(F("attempt__submitted_at").desc(nulls_last=True), "position")
            .values_list("score", flat=True)[:RECENT_ANSWERS]
        )
        exercise_ids = exercises_by_topic.get(topic.id, [])
        exercise_scores = [best_exercise[e] or 0.0 for e in exercise_ids if e in best_exercise]
        scores = [score or 0.0 for score in recent] + exercise_scores
        mastery = sum(scores) / len(scores) if scores else None
        done = sum(1 for score in exercise_scores if score == 1.0)
        result.append(TopicMastery(topic, mastery, len(recent), done, len(exercise_ids)))
    return result


def weakest_topics(user, count: int = 3, among: set[int] | None = None) -> list[Topic]:
    """Topics to practise next (optionally only those whose ids are in ``among``): never tried first,
    then lowest mastery."""
    rows = [row for row in topic_mastery(user) if among is None or row.topic.id in among]
    ranked = sorted(rows, key=lambda row: (row.mastery is not None, row.mastery or 0.0))
    return [row.topic for row in ranked[:count]]
