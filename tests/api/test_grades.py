"""Grades: best and latest score per learner and exercise or quiz, as JSON or CSV."""

import csv
import io

import pytest

from tests.helpers import make_submission, token_client

pytestmark = pytest.mark.django_db


def _graded(user, score, **fields):
    return make_submission(user=user, status="done", score=score, **fields)


def test_best_and_latest_scores_per_exercise(api, learner, dropout):
    _graded(learner, 0.5)
    _graded(learner, 1.0)
    _graded(learner, 0.75)
    _graded(learner, 0.0, examples_only=True)
    rows = api.get("/api/v1/grades/").json()
    assert rows == [
        {
            "learner": "ada",
            "external_id": None,
            "kind": "exercise",
            "item": "inverted-dropout",
            "best": 1.0,
            "latest": 0.75,
            "tries": 3,
            "last_at": None,
        },
    ]


def test_learners_see_only_their_own_and_instructors_their_courses_learners(
    api, learner, other_learner, instructor, teaching, dropout
):
    _graded(learner, 1.0)
    _graded(other_learner, 0.25)
    assert {row["learner"] for row in api.get("/api/v1/grades/").json()} == {"ada"}
    assert {row["learner"] for row in token_client(instructor).get("/api/v1/grades/").json()} == {"ada", "grace"}


def test_grades_download_as_csv(instructor, learner, teaching, dropout):
    _graded(learner, 0.5)
    response = token_client(instructor).get("/api/v1/grades/?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows == [
        {
            "learner": "ada",
            "external_id": "",
            "kind": "exercise",
            "item": "inverted-dropout",
            "best": "0.5",
            "latest": "0.5",
            "tries": "1",
            "last_at": "",
        },
    ]


def test_quiz_attempts_count_once_graded(api, learner, synced):
    from quizsite.catalog.models import Quiz
    from quizsite.learning import attempts

    quiz = Quiz.objects.get(slug="dropout")
    attempts.attempt_submit(attempt=attempts.attempt_start(user=learner, quiz=quiz))
    attempts.attempt_start(user=learner, quiz=quiz)  # still open: not a grade yet
    rows = [row for row in api.get("/api/v1/grades/").json() if row["kind"] == "quiz"]
    assert [(row["item"], row["best"], row["tries"]) for row in rows] == [("dropout", 0.0, 1)]
