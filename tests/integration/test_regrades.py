"""Regrade preview and apply with real workers: a real Redis broker, a Celery worker process, the sandbox and
PostgreSQL. Submissions graded against the exercise's checks are previewed against changed checks, stay as
they were until apply, and then change, keeping their earlier results."""

import time

import pytest

from quizsite.courses.selectors import learner_mark
from quizsite.learning import services
from quizsite.learning.models import GradingRecord, Regrade, Submission
from quizsite.learning.regrades import selectors
from quizsite.learning.regrades import services as regrades
from tests.helpers import (
    change_exercise_checks,
    dropout_checks_accepting_any_p,
    exercise_file,
    make_assignment,
    make_course,
    token_client,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# What each learner submits, and the verdict and score it gets now (14 points of checks).
CODES = {
    "ada": ("solution.py", "accepted", 1.0),
    "grace": ("wrong/no_validation_of_p.py", "wrong_answer", round(13 / 14, 6)),
    "alan": ("wrong/scales_at_evaluation.py", "wrong_answer", round(12 / 14, 6)),
}
# Under checks that accept any p: the reference fails the new check, the mistake of not validating p is no
# longer one, and scaling at evaluation also fails the new check.
AFTER = {
    "ada": ("wrong_answer", round(13 / 14, 6), "worse"),
    "grace": ("accepted", 1.0, "improved"),
    "alan": ("wrong_answer", round(11 / 14, 6), "unchanged"),
}


def _wait_for(condition, what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what} after {timeout} s"
        time.sleep(0.2)


@pytest.fixture
def graded(celery_worker_process, dropout, instructor, learner, other_learner, django_user_model):
    """ada, grace and alan, learners of the instructor's course, each with a submission the worker graded."""
    people = [learner, other_learner, django_user_model.objects.create_user(username="alan")]
    course = make_course(instructors=[instructor], learners=people)
    submissions = {
        person.username: services.submission_create(
            user=person, exercise=dropout, code=exercise_file("inverted-dropout", CODES[person.username][0])
        )
        for person in people
    }
    final = Submission.objects.filter(pk__in=[s.pk for s in submissions.values()], status="done")
    _wait_for(lambda: final.count() == len(people), "the first grading")
    for name, submission in submissions.items():
        submission.refresh_from_db()
        assert (submission.verdict, submission.score) == CODES[name][1:], (name, submission.message)
    return course, submissions


def test_a_preview_after_a_checks_change_shows_old_and_new_and_applying_it_changes_the_results(
    graded, dropout, instructor, learner
):
    course, submissions = graded
    assignment = make_assignment(course, exercise=dropout)
    first_version = dropout.content_hash
    new_version = change_exercise_checks(dropout, dropout_checks_accepting_any_p())

    regrade = regrades.regrade_preview_start(
        exercise=dropout, requested_by=instructor, reason="Any p is allowed now: p outside [0, 1] is not an error"
    )
    _wait_for(lambda: Regrade.objects.get(pk=regrade.pk).status == "ready", "the preview")

    preview = selectors.regrade_preview(Regrade.objects.get(pk=regrade.pk))
    found = {
        row.item.submission.user.username: (row.item.new_verdict, row.item.new_score, row.verdict_change)
        for row in preview.rows
    }
    assert found == AFTER
    counts = preview.counts
    assert (counts["improved"], counts["worse"], counts["unchanged"], counts["score_changed"]) == (1, 1, 1, 3)
    assert preview.applicable and not preview.checks_changed_since
    assert {row.item.new_exercise_version for row in preview.rows} == {new_version}

    # Nothing a learner or the gradebook sees has changed yet.
    for name, submission in submissions.items():
        current = Submission.objects.get(pk=submission.pk)
        assert (current.verdict, current.score, current.exercise_version) == (*CODES[name][1:], first_version)
        assert current.regraded_at is None
    assert not GradingRecord.objects.exists()
    assert learner_mark(assignment, learner).score == 1.0

    applied = regrades.regrade_apply(regrade_id=regrade.pk, by=instructor)
    assert (applied.applied_count, applied.skipped_count) == (3, 0)
    for name, submission in submissions.items():
        current = Submission.objects.get(pk=submission.pk)
        assert (current.verdict, current.score) == AFTER[name][:2]
        assert current.exercise_version == new_version
        record = current.grading_records.get()
        assert (record.verdict, record.score, record.exercise_version) == (*CODES[name][1:], first_version)
    assert learner_mark(assignment, learner).score == round(13 / 14, 6)

    body = token_client(learner).get(f"/api/v1/submissions/{submissions['ada'].pk}/").json()
    assert (body["verdict"], body["regraded"]["reason"]) == ("wrong_answer", applied.reason)
    assert (body["regraded"]["previous_verdict"], body["regraded"]["previous_score"]) == ("accepted", 1.0)
    assert body["regraded"]["previous_exercise_version"] == first_version


def test_a_selected_preview_regrades_only_the_selection_and_skips_what_changed_before_apply(
    graded, dropout, instructor
):
    _, submissions = graded
    change_exercise_checks(dropout, dropout_checks_accepting_any_p())
    chosen = [submissions["ada"].pk, submissions["grace"].pk]
    regrade = regrades.regrade_preview_start(
        exercise=dropout, requested_by=instructor, reason="Any p is allowed now", submission_ids=chosen
    )
    _wait_for(lambda: Regrade.objects.get(pk=regrade.pk).status == "ready", "the preview")
    assert {item.submission_id for item in regrade.items.all()} == set(chosen)

    # grace asks for her submission to be graded again before the preview is applied: hers is left alone.
    services.submission_regrade(submission_id=submissions["grace"].pk, reason="Asked by the learner")
    regraded = Submission.objects.filter(pk=submissions["grace"].pk, status="done", regraded_at__isnull=False)
    _wait_for(regraded.exists, "grace's own regrade")

    applied = regrades.regrade_apply(regrade_id=regrade.pk, by=instructor)
    assert (applied.applied_count, applied.skipped_count) == (1, 1)
    grace = Submission.objects.get(pk=submissions["grace"].pk)
    assert (grace.verdict, grace.regraded_reason) == ("accepted", "Asked by the learner")
    assert Submission.objects.get(pk=submissions["alan"].pk).regraded_at is None
