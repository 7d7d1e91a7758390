"""Courses in the admin: staff see only the courses they teach; the gradebook shows and exports derived marks."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from quizsite.courses.models import Course, Enrolment, Extension, ScoreOverride
from tests.helpers import graded_at, make_assignment, make_course, make_submission

DUE = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)

pytestmark = pytest.mark.django_db


@pytest.fixture
def courses(synced, instructor, other_instructor, assistant, learner, other_learner):
    """Course A (taught by ``instructor``, assisted by ``assistant``; learner ada) and course B (other_instructor;
    learner grace), each with an assignment and graded work."""
    course_a = make_course(code="A", instructors=[instructor], assistants=[assistant], learners=[learner])
    course_b = make_course(code="B", instructors=[other_instructor], learners=[other_learner])
    for course, person in ((course_a, learner), (course_b, other_learner)):
        assignment = make_assignment(course, due_at=DUE, late_penalty_percent_per_day=50, points=10)
        graded_at(make_submission(user=person, exercise=assignment.exercise), DUE + HOUR, 1.0)
    return course_a, course_b


def _gradebook(course, **query):
    return reverse("admin:courses_course_gradebook", args=[course.pk]) + (
        "?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else ""
    )


def test_an_instructor_lists_and_opens_only_their_own_courses(client, instructor, courses):
    course_a, course_b = courses
    client.force_login(instructor)
    listing = client.get(reverse("admin:courses_course_changelist"))
    assert listing.status_code == 200
    assert str(course_a.code) in listing.text and f">{course_b.code}<" not in listing.text
    assert client.get(reverse("admin:courses_course_change", args=[course_a.pk])).status_code == 200
    # The admin answers a course it will not show as missing: a redirect to the index, never its content.
    refused = client.get(reverse("admin:courses_course_change", args=[course_b.pk]))
    assert refused.status_code in (302, 403, 404)
    assert client.get(_gradebook(course_b)).status_code == 403
    assert client.get(_gradebook(course_b, format="csv")).status_code == 403


def test_an_instructor_sees_no_assignment_extension_or_override_of_another_course(client, instructor, courses):
    _, course_b = courses
    client.force_login(instructor)
    for name in ("assignment", "extension", "scoreoverride"):
        page = client.get(reverse(f"admin:courses_{name}_changelist"))
        assert page.status_code == 200
    listing = client.get(reverse("admin:courses_assignment_changelist"))
    assert listing.context["cl"].result_count == 1
    other = course_b.assignments.get()
    assert client.get(reverse("admin:courses_assignment_change", args=[other.pk])).status_code in (302, 403, 404)


def test_a_teaching_assistant_views_the_course_but_cannot_change_it(client, assistant, courses):
    course_a, _ = courses
    client.force_login(assistant)
    page = client.get(reverse("admin:courses_course_change", args=[course_a.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.text
    posted = client.post(reverse("admin:courses_course_change", args=[course_a.pk]), {"title": "Renamed"})
    assert posted.status_code == 403
    assert Course.objects.get(pk=course_a.pk).title != "Renamed"
    assert client.get(_gradebook(course_a)).status_code == 200


def test_a_teaching_assistant_grants_an_extension_in_their_course_only(
    client, assistant, learner, other_learner, courses
):
    course_a, course_b = courses
    client.force_login(assistant)
    url = reverse("admin:courses_extension_add")
    fields = {"due_at_0": "2027-03-05", "due_at_1": "12:00", "reason": "illness"}
    granted = client.post(url, {**fields, "assignment": course_a.assignments.get().pk, "learner": learner.pk})
    assert granted.status_code == 302
    extension = Extension.objects.get()
    assert extension.granted_by == assistant and extension.learner == learner
    refused = client.post(url, {**fields, "assignment": course_b.assignments.get().pk, "learner": other_learner.pk})
    assert refused.status_code == 200 and Extension.objects.count() == 1


def test_an_override_records_who_set_it_and_shows_in_the_gradebook(client, instructor, learner, courses):
    course_a, _ = courses
    client.force_login(instructor)
    posted = client.post(
        reverse("admin:courses_scoreoverride_add"),
        {"assignment": course_a.assignments.get().pk, "learner": learner.pk, "score": "0.75", "reason": "appeal"},
    )
    assert posted.status_code == 302
    assert ScoreOverride.objects.get().created_by == instructor
    page = client.get(_gradebook(course_a))
    assert "override" in page.text and "7.50" in page.text


def test_the_gradebook_shows_late_marks_and_filters_them(client, instructor, learner, courses):
    course_a, _ = courses
    client.force_login(instructor)
    page = client.get(_gradebook(course_a))
    assert page.status_code == 200
    assert "late 1d" in page.text and "5.00" in page.text and learner.username in page.text
    assert learner.username not in client.get(_gradebook(course_a, show="missing")).content.decode().split("<tbody>")[1]
    assert learner.username in client.get(_gradebook(course_a, show="late")).content.decode().split("<tbody>")[1]


@pytest.mark.parametrize("layout", ["plain", "canvas", "moodle"])
def test_the_gradebook_downloads_as_csv_in_each_layout(client, instructor, learner, courses, layout):
    course_a, _ = courses
    client.force_login(instructor)
    response = client.get(_gradebook(course_a, format="csv", layout=layout))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assignment = course_a.assignments.get()
    learner_row = next(row for row in rows if learner.username in row)
    assert "5.00" in learner_row
    if layout == "canvas":
        assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
        assert rows[0][5] == f"{assignment.display_title} ({assignment.pk})"
        assert rows[1][0].strip() == "Points Possible" and rows[1][5] == "10"
    elif layout == "moodle":
        assert rows[0][:2] == ["Username", "Email address"]
    else:
        assert rows[0][:2] == ["username", "external_id"] and "late" in learner_row


_EMPTY_INLINES = {
    f"{prefix}-{key}": 0 for prefix in ("enrolments", "assignments") for key in ("TOTAL_FORMS", "INITIAL_FORMS")
}


def test_creating_a_course_makes_its_author_its_instructor(client, instructor):
    instructor.user_permissions.add(Permission.objects.get(codename="add_course"))
    client.force_login(instructor)
    response = client.post(
        reverse("admin:courses_course_add"),
        {
            "title": "Regularisation",
            "code": "ML-500",
            "term": "Fall 2027",
            **_EMPTY_INLINES,
        },
    )
    assert response.status_code == 302
    course = Course.objects.get(code="ML-500")
    assert Enrolment.objects.get(course=course, user=instructor).role == Enrolment.Role.INSTRUCTOR


def test_staff_without_a_course_or_the_permission_cannot_create_one(client, instructor):
    client.force_login(instructor)
    assert client.get(reverse("admin:courses_course_add")).status_code == 403


def test_a_teaching_assistant_cannot_add_an_assignment_to_their_course(client, assistant, courses):
    course_a, _ = courses
    client.force_login(assistant)
    exercise = course_a.assignments.get().exercise
    response = client.post(
        reverse("admin:courses_assignment_add"),
        {
            "course": course_a.pk,
            "exercise": exercise.pk,
            "points": 10,
            "policy": "best",
            "position": 0,
            "late_penalty_percent_per_day": 0,
        },
    )
    assert response.status_code in (200, 403)
    assert course_a.assignments.count() == 1
