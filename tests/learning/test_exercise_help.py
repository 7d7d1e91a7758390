"""Hints unlock per check once the learner fails it; the reference solution after acceptance or the exercise's
number of attempts, never while a course still counts work on the exercise; the help include renders both."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.utils import timezone

from quizsite.catalog.models import Exercise
from quizsite.courses.models import Extension
from quizsite.learning.exercise_help import (
    AFTER_ACCEPTANCE,
    AFTER_CUTOFF,
    AFTER_DUE_DATE,
    ReferenceAccess,
    exercise_help_context,
    reference_unlocked,
    unlocked_hints,
)
from quizsite.learning.models import Submission
from tests.helpers import make_assignment, make_course, make_submission, sync_exercise_copy

pytestmark = pytest.mark.django_db

EVALUATION = "Evaluation mode returns the input unchanged and no mask"
SCALING = "Mask holds only 0 or 1/(1-p), and out = x * mask"
RATES = "p = 0 keeps everything, p = 1 drops everything"
DONE, ACCEPTED, WRONG = Submission.Status.DONE, Submission.Verdict.ACCEPTED, Submission.Verdict.WRONG_ANSWER


@pytest.fixture
def exercise(tmp_path) -> Exercise:
    """inverted-dropout synced from a copy (no validation needed: these reads do not ask for "published")."""
    return sync_exercise_copy(tmp_path, published=False)


def _hint(exercise: Exercise, title: str) -> str:
    return next(item["hint"] for item in exercise.hints if item["check"] == title)


def _result(name: str, passed: bool, public: bool = False) -> dict:
    return {"name": name, "passed": passed, "message": "Passed." if passed else "Wrong.", "points": 1, "public": public}


def _graded(user, exercise, verdict=WRONG, results=(), **fields) -> Submission:
    return make_submission(user=user, exercise=exercise, status=DONE, verdict=verdict, results=list(results), **fields)


def test_no_hint_is_unlocked_before_any_submission(learner, exercise):
    assert unlocked_hints(learner, exercise) == []


def test_a_failed_check_unlocks_its_hint_only(learner, exercise):
    _graded(learner, exercise, results=[_result(EVALUATION, True), _result(RATES, False)])
    assert unlocked_hints(learner, exercise) == [(RATES, _hint(exercise, RATES))]


def test_failing_a_public_example_in_an_example_run_unlocks_its_hint(learner, exercise):
    make_submission(
        user=learner, exercise=exercise, examples_only=True, status=DONE, results=[_result(SCALING, False, True)]
    )
    assert unlocked_hints(learner, exercise) == [(SCALING, _hint(exercise, SCALING))]


def test_hints_stay_unlocked_after_the_check_passes_later_and_keep_the_order_of_the_checks(learner, exercise):
    _graded(learner, exercise, results=[_result(RATES, False)])
    _graded(learner, exercise, results=[_result(EVALUATION, False), _result(RATES, True)])
    assert [title for title, _ in unlocked_hints(learner, exercise)] == [EVALUATION, RATES]


def test_a_submission_still_running_unlocks_nothing(learner, exercise):
    make_submission(user=learner, exercise=exercise, status=Submission.Status.RUNNING, results=[_result(RATES, False)])
    assert unlocked_hints(learner, exercise) == []


def test_another_learners_failures_unlock_nothing(learner, other_learner, exercise):
    _graded(other_learner, exercise, results=[_result(RATES, False)])
    assert unlocked_hints(learner, exercise) == []
    assert unlocked_hints(AnonymousUser(), exercise) == []


def test_the_reference_is_locked_until_an_accepted_submission(learner, exercise):
    exercise.reference_after_attempts = None
    exercise.save()
    _graded(learner, exercise)
    assert reference_unlocked(learner, exercise) == ReferenceAccess(False, AFTER_ACCEPTANCE)
    _graded(learner, exercise, verdict=ACCEPTED)
    assert reference_unlocked(learner, exercise)


def test_an_accepted_example_run_does_not_unlock_the_reference(learner, exercise):
    make_submission(user=learner, exercise=exercise, examples_only=True, status=DONE, verdict=ACCEPTED)
    assert not reference_unlocked(learner, exercise)


def test_another_learners_acceptance_does_not_unlock_the_reference(learner, other_learner, exercise):
    _graded(other_learner, exercise, verdict=ACCEPTED)
    assert not reference_unlocked(learner, exercise)
    assert not reference_unlocked(AnonymousUser(), exercise)


def test_the_exercises_number_of_graded_attempts_unlocks_the_reference(learner, exercise):
    assert exercise.reference_after_attempts == 5
    for _ in range(4):
        _graded(learner, exercise)
    # Example runs and system errors are not attempts.
    make_submission(user=learner, exercise=exercise, examples_only=True, status=DONE, verdict=WRONG)
    _graded(learner, exercise, verdict=Submission.Verdict.SYSTEM_ERROR)
    access = reference_unlocked(learner, exercise)
    assert not access
    assert access.reason == f"{AFTER_ACCEPTANCE} or after 5 attempts (4 so far)"
    _graded(learner, exercise)
    assert reference_unlocked(learner, exercise)


def test_an_assignment_before_its_due_date_keeps_the_reference_even_after_acceptance(learner, exercise):
    now = timezone.now()
    make_assignment(make_course(learners=[learner]), exercise=exercise, due_at=now + timedelta(days=1))
    _graded(learner, exercise, verdict=ACCEPTED)
    access = reference_unlocked(learner, exercise, now)
    assert not access and access.reason == AFTER_DUE_DATE
    assert reference_unlocked(learner, exercise, now + timedelta(days=2))


def test_the_learners_extension_moves_the_date_the_reference_unlocks(learner, exercise):
    now = timezone.now()
    assignment = make_assignment(make_course(learners=[learner]), exercise=exercise, due_at=now - timedelta(hours=1))
    _graded(learner, exercise, verdict=ACCEPTED)
    assert reference_unlocked(learner, exercise, now)
    Extension.objects.create(assignment=assignment, learner=learner, due_at=now + timedelta(days=1), reason="ill")
    assert reference_unlocked(learner, exercise, now).reason == AFTER_DUE_DATE


def test_late_work_keeps_the_reference_locked_until_the_cutoff(learner, exercise):
    now = timezone.now()
    make_assignment(
        make_course(learners=[learner]),
        exercise=exercise,
        due_at=now - timedelta(days=1),
        cutoff_at=now + timedelta(days=1),
    )
    _graded(learner, exercise, verdict=ACCEPTED)
    assert reference_unlocked(learner, exercise, now).reason == AFTER_CUTOFF
    assert reference_unlocked(learner, exercise, now + timedelta(days=2))


def test_an_assignment_without_dates_keeps_the_reference_locked(learner, exercise):
    make_assignment(make_course(learners=[learner]), exercise=exercise)
    _graded(learner, exercise, verdict=ACCEPTED)
    assert reference_unlocked(learner, exercise).reason == AFTER_DUE_DATE


def test_a_course_the_learner_teaches_in_does_not_block(learner, other_learner, exercise):
    later = timezone.now() + timedelta(days=1)
    make_assignment(make_course(learners=[other_learner], instructors=[learner]), exercise=exercise, due_at=later)
    _graded(learner, exercise, verdict=ACCEPTED)
    assert reference_unlocked(learner, exercise)


def test_the_help_context_carries_the_code_only_when_unlocked(learner, exercise):
    _graded(learner, exercise, results=[_result(RATES, False)])
    locked = exercise_help_context(learner, exercise)
    assert locked["hints"] == [{"check": RATES, "hint": _hint(exercise, RATES)}]
    assert locked["reference"] == {"unlocked": False, "reason": locked["reference"]["reason"], "code": ""}
    _graded(learner, exercise, verdict=ACCEPTED)
    assert exercise_help_context(learner, exercise)["reference"]["code"] == exercise.solution_code


def test_the_help_include_shows_hints_in_details_and_the_reason_while_locked(learner, exercise):
    _graded(learner, exercise, results=[_result(RATES, False)])
    html = render_to_string("web/_exercise_help.html", exercise_help_context(learner, exercise))
    assert '<h2 id="hints-title">Hints</h2>' in html
    assert f"<summary>{RATES}</summary>" in html
    assert "<p>At <code>p = 1</code> every unit is dropped" in html  # the hint's Markdown, rendered
    assert "The reference solution is shown after an accepted submission or after 5 attempts (1 so far)." in html
    assert "def dropout_forward" not in html


def test_the_help_include_says_where_hints_appear_and_reveals_the_code_once_unlocked(learner, exercise):
    _graded(learner, exercise, verdict=ACCEPTED)
    html = render_to_string("web/_exercise_help.html", exercise_help_context(learner, exercise))
    assert "Hints appear here after a check fails." in html
    assert "<summary>Show the reference solution</summary>" in html
    assert "def dropout_forward" in html


def test_the_help_include_escapes_the_code(learner, exercise):
    exercise.solution_code = "# <script>alert(1)</script>\n"
    exercise.save()
    _graded(learner, exercise, verdict=ACCEPTED)
    html = render_to_string("web/_exercise_help.html", exercise_help_context(learner, exercise))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_result_recorded_by_the_worker_unlocks_the_hints_of_its_failed_checks(learner, exercise):
    from types import SimpleNamespace

    from quizsite.learning.services import submission_claim, submission_record_report

    queued = make_submission(user=learner, exercise=exercise)
    _, token = submission_claim(submission_id=queued.pk)
    report = SimpleNamespace(
        verdict=WRONG, score=0.5, results_as_dicts=lambda: [_result(EVALUATION, True), _result(RATES, False)],
        message="1 of 2 checks failed.", output="", grading_ms=5, seed=1,
    )  # fmt: skip
    assert submission_record_report(submission_id=queued.pk, token=token, report=report, exercise_version="v1")
    assert unlocked_hints(learner, exercise) == [(RATES, _hint(exercise, RATES))]
