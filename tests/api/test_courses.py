"""Courses through the API: a teacher's courses and their gradebooks, as JSON."""

from datetime import UTC, datetime, timedelta

import pytest

from quizsite.accounts.models import Scope
from quizsite.accounts.services import api_client_create
from tests.helpers import graded_at, key_client, make_assignment, make_course, make_submission, token_client

DUE = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(synced, instructor, learner):
    course = make_course(code="ML-401", instructors=[instructor], learners=[learner])
    assignment = make_assignment(course, due_at=DUE, late_penalty_percent_per_day=10, points=20)
    graded_at(make_submission(user=learner, exercise=assignment.exercise), DUE + timedelta(hours=2), 1.0)
    return course


def test_an_instructor_lists_the_courses_they_teach(course, instructor, django_user_model):
    make_course(code="OTHER", instructors=[django_user_model.objects.create_user(username="x", is_staff=True)])
    response = token_client(instructor).get("/api/v1/courses/")
    assert response.status_code == 200
    assert [row["code"] for row in response.json()] == ["ML-401"]


def test_the_gradebook_gives_each_learner_their_derived_marks(course, instructor, learner):
    response = token_client(instructor).get(f"/api/v1/courses/{course.pk}/gradebook/")
    assert response.status_code == 200
    body = response.json()
    assignment = course.assignments.get()
    assert body["assignments"][0]["id"] == str(assignment.pk) and body["assignments"][0]["item"] == "inverted-dropout"
    (row,) = body["learners"]
    assert row["learner"] == {"username": learner.username, "external_id": None}
    (mark,) = row["marks"]
    assert mark["score"] == pytest.approx(0.9) and mark["points"] == pytest.approx(18.0)
    assert mark["late"] is True and mark["days_late"] == 1 and mark["counted"] == 1
    assert row["percent"] == pytest.approx(90.0)


def test_a_learner_or_another_instructor_gets_not_found(course, learner, django_user_model):
    stranger = django_user_model.objects.create_user(username="stranger", is_staff=True)
    for user in (learner, stranger):
        response = token_client(user).get(f"/api/v1/courses/{course.pk}/gradebook/")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/problem+json")


def test_an_api_client_reads_the_gradebooks_of_its_owner_with_the_grades_scope(course, instructor):
    _, key = api_client_create(name="LMS", owner=instructor, scopes=[Scope.READ_GRADES])
    assert key_client(key).get(f"/api/v1/courses/{course.pk}/gradebook/").status_code == 200
    _, narrow = api_client_create(name="Catalogue", owner=instructor, scopes=[Scope.READ_CONTENT])
    assert key_client(narrow).get(f"/api/v1/courses/{course.pk}/gradebook/").status_code == 403


def test_a_course_withholds_hidden_check_messages_from_its_learner_until_the_due_date(synced, instructor, learner):
    from django.utils import timezone

    course = make_course(instructors=[instructor], learners=[learner])
    assignment = make_assignment(course, due_at=timezone.now() + timedelta(days=1), hidden_details_after_due=True)
    results = [
        {"name": "example", "passed": False, "message": "public detail", "points": 1, "public": True},
        {"name": "hidden", "passed": False, "message": "hidden detail", "points": 1, "public": False},
    ]
    submission = make_submission(
        user=learner, exercise=assignment.exercise, status="done", verdict="wrong_answer", score=0.0, results=results
    )
    seen = token_client(learner).get(f"/api/v1/submissions/{submission.pk}/").json()["results"]
    assert seen[0]["message"] == "public detail"
    assert "hidden detail" not in str(seen) and [r["passed"] for r in seen] == [False, False]
    listed = token_client(learner).get("/api/v1/submissions/").json()
    assert "hidden detail" not in str(listed)
    staff_view = token_client(instructor).get(f"/api/v1/submissions/{submission.pk}/").json()["results"]
    assert staff_view[1]["message"] == "hidden detail"
    assignment.due_at = timezone.now() - timedelta(minutes=1)
    assignment.save()
    after_due = token_client(learner).get(f"/api/v1/submissions/{submission.pk}/").json()["results"]
    assert after_due[1]["message"] == "hidden detail"


def test_listing_submissions_decides_withholding_once_per_exercise(
    synced, learner, django_assert_max_num_queries, django_user_model
):
    from django.utils import timezone

    course = make_course(learners=[learner])
    assignment = make_assignment(course, due_at=timezone.now() + timedelta(days=1), hidden_details_after_due=True)
    make_submission(user=learner, exercise=assignment.exercise, status="done", verdict="accepted", score=1.0)
    client = token_client(learner)
    client.get("/api/v1/submissions/")  # the token and the session caches warm up
    with django_assert_max_num_queries(20) as few:
        client.get("/api/v1/submissions/")
    for _ in range(10):
        make_submission(user=learner, exercise=assignment.exercise, status="done", verdict="accepted", score=1.0)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/submissions/").json()["results"]) == 11
