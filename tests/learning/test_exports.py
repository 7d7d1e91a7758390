"""Grades of selected submissions and attempts as CSV: one row each, safe to open in a spreadsheet."""

import csv
import io

import pytest
from django.utils import timezone

from quizsite.accounts.models import ExternalLearner
from quizsite.catalog.models import Quiz
from quizsite.formats import timestamp
from quizsite.learning import exports
from quizsite.learning.models import Attempt, Submission
from tests.helpers import make_submission

pytestmark = pytest.mark.django_db


def parsed(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_submission_rows_carry_the_learner_item_verdict_score_and_times(synced, learner, lms):
    client, _ = lms
    ExternalLearner.objects.create(client=client, external_id="s-042", user=learner)
    finished = timezone.now()
    submission = make_submission(
        user=learner, status=Submission.Status.DONE, verdict="accepted", score=1.0, finished_at=finished
    )
    [row] = parsed(exports.grades_csv(exports.submission_grade_rows(Submission.objects.all())))
    assert row == {
        "learner": "ada",
        "name": "",
        "external_id": "s-042",
        "kind": "exercise",
        "item": "inverted-dropout",
        "verdict": "accepted",
        "score": "1.0",
        "created_at": timestamp(submission.created_at),
        "finished_at": timestamp(finished),
        "id": str(submission.pk),
    }


def test_an_ungraded_submission_shows_its_status_and_empty_cells(synced):
    make_submission(examples_only=True)
    [row] = parsed(exports.grades_csv(exports.submission_grade_rows(Submission.objects.all())))
    assert (row["kind"], row["verdict"], row["score"], row["finished_at"]) == ("example run", "queued", "", "")


def test_attempt_rows_carry_the_quiz_status_score_and_times(synced, learner):
    attempt = Attempt.objects.create(user=learner, quiz=Quiz.objects.get(slug="dropout"))
    [row] = parsed(exports.grades_csv(exports.attempt_grade_rows(Attempt.objects.all())))
    assert (row["kind"], row["item"], row["verdict"], row["score"]) == ("quiz", "dropout", "started", "")
    assert row["created_at"] == timestamp(attempt.started_at)


def test_text_a_spreadsheet_would_run_as_a_formula_is_quoted(synced, django_user_model):
    user = django_user_model.objects.create_user(username="mallory", first_name="=HYPERLINK(1)")
    make_submission(user=user)
    [row] = parsed(exports.grades_csv(exports.submission_grade_rows(Submission.objects.all())))
    assert row["name"] == "'=HYPERLINK(1)"


def test_rows_are_oldest_first(synced, learner):
    first, second = make_submission(user=learner), make_submission(user=learner)
    rows = exports.submission_grade_rows(Submission.objects.all())
    assert [row["id"] for row in rows] == [first.pk, second.pk]
