"""The gradebook derives every mark from graded work under the assignment's terms."""

from datetime import UTC, datetime, timedelta

import pytest

from quizsite.courses import selectors, services
from quizsite.courses.models import Enrolment
from quizsite.learning.models import Submission
from tests.helpers import graded_at, make_assignment, make_course, make_submission

DUE = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(synced, instructor, learner, other_learner):
    return make_course(instructors=[instructor], learners=[learner, other_learner])


def _row(book, user):
    return next(row for row in book.rows if row.learner == user)


def test_the_gradebook_takes_marks_from_graded_submissions_under_the_terms(course, learner, other_learner):
    assignment = make_assignment(course, due_at=DUE, late_penalty_percent_per_day=20, points=10)
    exercise = assignment.exercise
    graded_at(make_submission(user=learner, exercise=exercise), DUE - HOUR, 0.5)
    graded_at(make_submission(user=other_learner, exercise=exercise), DUE + HOUR, 1.0)
    book = selectors.gradebook(course)
    assert [row.learner for row in book.rows] == [learner, other_learner]
    mine, theirs = _row(book, learner), _row(book, other_learner)
    assert mine.marks[0].score == 0.5 and not mine.marks[0].late and mine.points == pytest.approx(5.0)
    assert theirs.marks[0].score == pytest.approx(0.8) and theirs.marks[0].days_late == 1
    assert theirs.percent == pytest.approx(80.0)


def test_example_runs_unfinished_and_system_error_submissions_never_count(course, learner):
    assignment = make_assignment(course, due_at=DUE)
    exercise = assignment.exercise
    graded_at(make_submission(user=learner, exercise=exercise, examples_only=True), DUE - HOUR, 1.0)
    make_submission(user=learner, exercise=exercise)  # still queued
    broken = graded_at(make_submission(user=learner, exercise=exercise), DUE - HOUR, 0.0)
    Submission.objects.filter(pk=broken.pk).update(verdict=Submission.Verdict.SYSTEM_ERROR)
    assert _row(selectors.gradebook(course), learner).marks[0].score is None


def test_work_on_another_exercise_or_by_someone_outside_the_course_is_ignored(course, learner, django_user_model):
    assignment = make_assignment(course, due_at=DUE)
    outsider = django_user_model.objects.create_user(username="outsider")
    graded_at(make_submission(user=outsider, exercise=assignment.exercise), DUE - HOUR, 1.0)
    from quizsite.catalog.models import Exercise

    other = Exercise.objects.exclude(pk=assignment.exercise_id).first()
    graded_at(make_submission(user=learner, exercise=other), DUE - HOUR, 1.0)
    book = selectors.gradebook(course)
    assert outsider not in [row.learner for row in book.rows]
    assert _row(book, learner).marks[0].score is None


def test_an_extension_applies_to_its_learner_only(course, learner, other_learner, instructor):
    assignment = make_assignment(course, due_at=DUE, cutoff_at=DUE + DAY)
    for person in (learner, other_learner):
        graded_at(make_submission(user=person, exercise=assignment.exercise), DUE + 2 * DAY, 1.0)
    services.extension_grant(
        assignment=assignment, learner=learner, due_at=DUE + 3 * DAY, reason="illness", granted_by=instructor
    )
    book = selectors.gradebook(course)
    assert _row(book, learner).marks[0].score == 1.0 and _row(book, learner).marks[0].extended
    assert _row(book, other_learner).marks[0].score is None


def test_an_extension_is_refused_for_someone_not_learning_in_the_course(course, instructor, django_user_model):
    assignment = make_assignment(course, due_at=DUE)
    outsider = django_user_model.objects.create_user(username="outsider")
    with pytest.raises(ValueError, match="not a learner"):
        services.extension_grant(assignment=assignment, learner=outsider, due_at=DUE + DAY, reason="x", granted_by=None)


def test_the_newest_override_wins_and_a_withdrawal_restores_the_derived_mark(course, learner, instructor):
    assignment = make_assignment(course, due_at=DUE)
    graded_at(make_submission(user=learner, exercise=assignment.exercise), DUE - HOUR, 0.5)
    services.score_override_add(assignment=assignment, learner=learner, score=0.9, reason="appeal", by=instructor)
    assert selectors.learner_mark(assignment, learner).score == 0.9
    assert _row(selectors.gradebook(course), learner).marks[0].overridden
    services.score_override_add(assignment=assignment, learner=learner, score=None, reason="withdrawn", by=instructor)
    assert selectors.learner_mark(assignment, learner).score == 0.5
    assert _row(selectors.gradebook(course), learner).marks[0].score == 0.5


def test_an_override_needs_a_reason_and_a_fraction(course, learner, instructor):
    assignment = make_assignment(course)
    with pytest.raises(ValueError):
        services.score_override_add(assignment=assignment, learner=learner, score=1.5, reason="x", by=instructor)
    with pytest.raises(ValueError):
        services.score_override_add(assignment=assignment, learner=learner, score=0.5, reason=" ", by=instructor)


def test_quiz_assignments_take_marks_from_graded_attempts(course, learner):
    from quizsite.catalog.models import Quiz
    from quizsite.learning.models import Attempt

    quiz = Quiz.objects.first()
    assignment = make_assignment(course, quiz=quiz, due_at=DUE, policy="average")
    for score in (0.4, 0.8):
        Attempt.objects.create(user=learner, quiz=quiz, status=Attempt.Status.GRADED, score=score, submitted_at=DUE)
    Attempt.objects.create(user=learner, quiz=quiz, status=Attempt.Status.STARTED)
    assert selectors.learner_mark(assignment, learner).score == pytest.approx(0.6)


def test_the_gradebook_costs_the_same_queries_for_more_learners(
    course, django_user_model, django_assert_max_num_queries
):
    assignment = make_assignment(course, due_at=DUE)
    for number in range(30):
        person = django_user_model.objects.create_user(username=f"l{number:02}")
        services.enrolment_set(course=course, user=person)
        graded_at(make_submission(user=person, exercise=assignment.exercise), DUE - HOUR, 1.0)
    make_assignment(course, due_at=DUE, points=5)
    with django_assert_max_num_queries(6):
        book = selectors.gradebook(course)
    assert len(book.rows) == 32


def test_staff_see_the_courses_they_teach_and_superusers_see_all(course, instructor, learner, django_user_model):
    other = make_course(instructors=[django_user_model.objects.create_user(username="other-prof", is_staff=True)])
    root = django_user_model.objects.create_superuser(username="root", password="x")
    assert list(selectors.courses_for_staff(instructor)) == [course]
    assert set(selectors.courses_for_staff(root)) == {course, other}
    assert list(selectors.courses_for_staff(learner)) == []
    assert selectors.course_role(learner, course) == Enrolment.Role.LEARNER
    assert selectors.course_role(instructor, other) is None


def test_hidden_check_details_are_withheld_until_the_due_date_when_the_assignment_says_so(course, learner, instructor):
    assignment = make_assignment(course, due_at=DUE, hidden_details_after_due=True)
    exercise_id = assignment.exercise_id
    assert selectors.hidden_details_withheld(learner, exercise_id, DUE - HOUR)
    assert not selectors.hidden_details_withheld(learner, exercise_id, DUE + HOUR)
    services.extension_grant(
        assignment=assignment, learner=learner, due_at=DUE + DAY, reason="x", granted_by=instructor
    )
    assert selectors.hidden_details_withheld(learner, exercise_id, DUE + HOUR)


def test_hidden_check_details_stay_withheld_after_the_due_date_unless_shown(course, learner, other_learner):
    make_assignment(course, due_at=DUE, hidden_details_after_due=False)
    exercise_id = course.assignments.get().exercise_id
    assert selectors.hidden_details_withheld(learner, exercise_id, DUE + HOUR)


def test_self_study_and_undated_assignments_withhold_nothing(course, learner, django_user_model):
    outsider = django_user_model.objects.create_user(username="self-taught")
    assignment = make_assignment(course)
    assert not selectors.hidden_details_withheld(outsider, assignment.exercise_id, DUE)
    assert not selectors.hidden_details_withheld(learner, assignment.exercise_id, DUE)
