"""Reads for staff review: a submission's predecessor, and an attempt's questions with answers and key."""

from datetime import timedelta

import pytest
from django.utils import timezone

from quizsite.catalog.models import Exercise, Question, Quiz
from quizsite.catalog.questions import correct_response
from quizsite.catalog.selectors import variant_of
from quizsite.learning.models import Attempt, AttemptItem, Submission
from quizsite.learning.selectors import attempt_review, submission_previous
from tests.helpers import make_submission

pytestmark = pytest.mark.django_db


def made_at(minutes_ago: int, **fields) -> Submission:
    submission = make_submission(**fields)
    Submission.objects.filter(pk=submission.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))
    submission.refresh_from_db()
    return submission


def test_the_previous_submission_is_the_same_learners_latest_earlier_one_on_the_exercise(synced, learner):
    made_at(30, user=learner)
    latest_before = made_at(20, user=learner, examples_only=True)
    made_at(15)  # another learner
    made_at(10, user=learner, exercise=Exercise.objects.exclude(slug="inverted-dropout").first())
    current = made_at(5, user=learner)
    made_at(1, user=learner)  # later
    assert submission_previous(current) == latest_before


def test_a_first_submission_has_no_previous_one(synced, learner):
    assert submission_previous(made_at(5, user=learner)) is None


@pytest.fixture
def attempt(synced, learner) -> Attempt:
    attempt = Attempt.objects.create(user=learner, quiz=Quiz.objects.get(slug="dropout"))
    for position, key in enumerate(["dropout-purpose", "dropout-scale"]):
        AttemptItem.objects.create(attempt=attempt, question=Question.objects.get(key=key), position=position)
    return attempt


def test_the_review_shows_every_question_with_the_answer_and_the_key_in_words(attempt):
    AttemptItem.objects.filter(question__key="dropout-purpose").update(response=1, score=0.0)
    purpose, scale = (Question.objects.get(key=key) for key in ("dropout-purpose", "dropout-scale"))
    first, second = attempt_review(attempt)
    assert first["answer"] == [purpose.options[1]] and first["key"] == [purpose.options[purpose.answer]]
    assert first["item"].score == 0.0 and first["error"] == ""
    variant = variant_of(scale, str(attempt.pk))
    assert (second["prompt"], second["answer"], second["key"]) == (variant.prompt, [], [str(correct_response(variant))])


def test_a_question_whose_generator_is_gone_keeps_its_row_with_the_reason(attempt):
    Question.objects.filter(key="dropout-scale").update(generator="no_such_generator")
    AttemptItem.objects.filter(question__key="dropout-scale").update(response=2.5)
    row = attempt_review(attempt)[1]
    assert "no_such_generator" in row["error"] and row["answer"] == ["2.5"] and row["key"] == []
