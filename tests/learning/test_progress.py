"""Mastery per topic blends recent quiz answers and best exercise scores; practice targets the weakest."""

import shutil
from pathlib import Path

import pytest

from quizsite.catalog.models import Quiz, Topic
from quizsite.catalog.services import content_sync
from quizsite.learning import attempts, progress
from tests.helpers import make_submission

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2] / "exercises"


@pytest.fixture
def content(tmp_path, settings, validate_pending):
    shutil.copytree(ROOT / "topics", tmp_path / "topics", ignore=shutil.ignore_patterns("questions.*", "lesson.md"))
    shutil.copytree(ROOT / "topics" / "dropout", tmp_path / "topics" / "dropout", dirs_exist_ok=True)
    shutil.copytree(ROOT / "inverted-dropout", tmp_path / "inverted-dropout")
    (tmp_path / "quizzes").mkdir()
    shutil.copy(ROOT / "quizzes" / "dropout.toml", tmp_path / "quizzes")
    shutil.copy(ROOT / "quizzes" / "adaptive-practice.toml", tmp_path / "quizzes")
    settings.CONTENT_DIR = tmp_path
    content_sync(root=tmp_path)
    validate_pending()


def _mastery(user, slug):
    return next(row for row in progress.topic_mastery(user) if row.topic.slug == slug)


def test_nothing_done_means_no_mastery_yet(learner, content):
    assert _mastery(learner, "dropout").mastery is None


def test_a_graded_quiz_sets_mastery_from_its_answers(learner, content):
    attempt = attempts.attempt_start(user=learner, quiz=Quiz.objects.get(slug="dropout"))
    attempts.attempt_submit(attempt=attempt)
    row = _mastery(learner, "dropout")
    assert row.mastery == 0.0 and row.questions_counted == 8


def _graded_attempt(user, *, minutes_ago: int, answered: bool) -> None:
    """A graded attempt of the dropout quiz, all right (answered) or all skipped, submitted minutes ago."""
    from datetime import timedelta

    from django.utils import timezone

    attempt = attempts.attempt_start(user=user, quiz=Quiz.objects.get(slug="dropout"))
    when = timezone.now() - timedelta(minutes=minutes_ago)
    attempt.items.update(score=1.0 if answered else 0.0, answered_at=when if answered else None)
    type(attempt).objects.filter(pk=attempt.pk).update(status="graded", submitted_at=when)


def test_recent_answers_are_those_of_the_latest_attempts_even_when_an_old_one_was_skipped(learner, content):
    # On PostgreSQL, ordering by answered_at put the skipped (NULL) items of the old attempt first.
    _graded_attempt(learner, minutes_ago=60, answered=False)
    for minutes_ago in (30, 20, 10):
        _graded_attempt(learner, minutes_ago=minutes_ago, answered=True)
    row = _mastery(learner, "dropout")
    assert row.questions_counted == progress.RECENT_ANSWERS
    assert row.mastery == 1.0


def test_questions_skipped_in_the_latest_attempt_count_as_recent_zeros(learner, content):
    for minutes_ago in (40, 30, 20):
        _graded_attempt(learner, minutes_ago=minutes_ago, answered=True)
    _graded_attempt(learner, minutes_ago=5, answered=False)
    row = _mastery(learner, "dropout")
    assert row.mastery == (progress.RECENT_ANSWERS - 8) / progress.RECENT_ANSWERS


def test_exercise_scores_count_towards_their_topic(learner, content):
    # inverted-dropout, the one exercise in this content, is in the dropout topic.
    make_submission(user=learner, status="done", verdict="accepted", score=1.0)
    make_submission(user=learner, status="done", verdict="accepted", score=1.0)
    make_submission(user=learner, status="done", score=0.0, examples_only=True)
    row = _mastery(learner, "dropout")
    assert row.mastery == 1.0 and row.exercises_done == 1 and row.exercises_total == 1


def test_practice_goes_to_untried_then_weakest_topics(learner, content):
    attempt = attempts.attempt_start(user=learner, quiz=Quiz.objects.get(slug="dropout"))
    attempts.attempt_submit(attempt=attempt)
    weakest = progress.weakest_topics(learner, count=3)
    assert Topic.objects.get(slug="dropout") not in weakest


def test_adaptive_practice_draws_from_the_weakest_topics(learner, content):
    adaptive = Quiz.objects.get(slug="adaptive-practice")
    attempt = attempts.attempt_start(user=learner, quiz=adaptive)
    # Only dropout has questions here, and as an untried topic it is among the weakest.
    assert {item.question.topic.slug for item in attempt.items.all()} == {"dropout"}
