"""Grades: best and latest score and points per learner and exercise or quiz, in pages with filters, and as CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from quizsite.learning.models import Submission
from tests.helpers import make_submission, token_client

pytestmark = pytest.mark.django_db


def _graded(user, score, **fields):
    return make_submission(user=user, status="done", score=score, **fields)


def _rows(client, query: str = "") -> list[dict]:
    body = client.get(f"/api/v1/grades/{query}").json()
    return body["results"]


def test_best_and_latest_scores_and_points_per_exercise(api, learner, dropout):
    _graded(learner, 0.5)
    best = _graded(learner, 1.0)
    latest = _graded(learner, 0.75)
    _graded(learner, 0.0, examples_only=True)
    latest.refresh_from_db()
    body = api.get("/api/v1/grades/").json()
    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    assert body["results"] == [
        {
            "learner": {"username": "ada", "external_id": None},
            "kind": "exercise",
            "item": "inverted-dropout",
            "best": 1.0,
            "latest": 0.75,
            "points": 1.0 * dropout.points,
            "possible": dropout.points,
            "tries": 3,
            "last_at": None,
            "updated_at": max(best.updated_at, latest.updated_at).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        },
    ]


def test_learners_see_only_their_own_and_instructors_their_courses_learners(
    api, learner, other_learner, instructor, teaching, dropout
):
    _graded(learner, 1.0)
    _graded(other_learner, 0.25)
    assert {row["learner"]["username"] for row in _rows(api)} == {"ada"}
    assert {row["learner"]["username"] for row in _rows(token_client(instructor))} == {"ada", "grace"}


def test_grades_filter_by_item_learner_and_change(api, learner, other_learner, instructor, teaching, synced):
    from quizsite.catalog.models import Exercise, Quiz
    from quizsite.learning import attempts

    staff = token_client(instructor)
    clipping = Exercise.objects.get(slug="gradient-clipping")
    _graded(learner, 1.0)
    old = _graded(other_learner, 0.5, exercise=clipping)
    Submission.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=2))
    attempts.attempt_submit(attempt=attempts.attempt_start(user=learner, quiz=Quiz.objects.get(slug="dropout")))

    def items(query):
        return [(row["learner"]["username"], row["item"]) for row in _rows(staff, query)]

    # Ordered by learner, kind (exercise before quiz), then item.
    assert items("") == [("ada", "inverted-dropout"), ("ada", "dropout"), ("grace", "gradient-clipping")]
    assert items("?exercise=gradient-clipping") == [("grace", "gradient-clipping")]
    assert items("?quiz=dropout") == [("ada", "dropout")]
    assert items("?learner=grace") == [("grace", "gradient-clipping")]
    since = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert sorted(items(f"?updated_since={since}")) == [("ada", "dropout"), ("ada", "inverted-dropout")]
    assert staff.get("/api/v1/grades/?updated_since=2026-12-05").status_code == 400


def test_grades_come_in_pages(api, learner, synced):
    from quizsite.catalog.models import Exercise

    for exercise in Exercise.objects.order_by("slug")[:3]:
        _graded(learner, 1.0, exercise=exercise)
    first = api.get("/api/v1/grades/?page_size=2").json()
    second = api.get(first["next"]).json()
    assert first["count"] == 3 and len(first["results"]) == 2 and second["next"] is None
    seen = [row["item"] for row in first["results"] + second["results"]]
    assert seen == sorted(seen) and len(set(seen)) == 3
    assert api.get("/api/v1/grades/?page_size=0").status_code == 400


def test_grades_download_as_csv_from_their_own_operation(instructor, learner, teaching, dropout):
    submission = _graded(learner, 0.5, finished_at=timezone.now())
    response = token_client(instructor).get("/api/v1/grades/csv/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    submission.refresh_from_db()
    assert rows == [
        {
            "learner_username": "ada",
            "learner_external_id": "",
            "kind": "exercise",
            "item": "inverted-dropout",
            "best": "0.5",
            "latest": "0.5",
            "points": str(0.5 * dropout.points),
            "possible": str(dropout.points),
            "tries": "1",
            "last_at": submission.finished_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "updated_at": submission.updated_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        },
    ]
    assert token_client(instructor).get("/api/v1/grades/csv/?learner=nobody").content.decode().count("\n") == 1


def test_quiz_attempts_count_once_graded_with_a_point_per_question(api, learner, synced):
    from quizsite.catalog.models import Quiz
    from quizsite.learning import attempts

    quiz = Quiz.objects.get(slug="dropout")
    attempts.attempt_submit(attempt=attempts.attempt_start(user=learner, quiz=quiz))
    attempts.attempt_start(user=learner, quiz=quiz)  # still open: not a grade yet
    rows = [row for row in _rows(api) if row["kind"] == "quiz"]
    assert [(row["item"], row["best"], row["tries"], row["possible"]) for row in rows] == [
        ("dropout", 0.0, 1, quiz.question_count)
    ]


def test_a_row_whose_best_submission_is_regraded_shows_as_changed(api, learner, dropout):
    best = _graded(learner, 1.0)
    _graded(learner, 0.5)
    Submission.objects.update(updated_at=timezone.now() - timedelta(days=2))
    since = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _rows(api, f"?updated_since={since}") == []
    # Regraded: queued again, so it no longer counts, and the row's best drops; a sync must hear of it.
    Submission.objects.filter(pk=best.pk).update(status="queued", score=None, updated_at=timezone.now())
    rows = _rows(api, f"?updated_since={since}")
    assert [(row["best"], row["tries"]) for row in rows] == [(0.5, 1)]
