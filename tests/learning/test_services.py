"""Submission lifecycle: created queued, claimed once, finished once, given up on after a cap."""

import uuid
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from grader.runner import CheckResult, Report
from quizsite.learning import services
from quizsite.learning.models import Submission
from tests.helpers import make_submission

pytestmark = pytest.mark.django_db


def _report(verdict="accepted", score=1.0):
    return Report(verdict=verdict, score=score, message="m", results=[CheckResult("c", True, "ok", 1, False, 1.0)])


def test_create_stores_a_queued_submission_and_enqueues_after_commit(
    learner, dropout, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submission = services.submission_create(user=learner, exercise=dropout, code="x = 1\n")
    assert submission.status == Submission.Status.QUEUED and submission.verdict is None
    assert len(callbacks) == 1


@override_settings(SUBMISSION_MAX_CODE_BYTES=10)
def test_create_refuses_code_over_the_size_limit(learner, dropout):
    with pytest.raises(services.SubmissionRejected) as rejected:
        services.submission_create(user=learner, exercise=dropout, code="é" * 6)
    assert rejected.value.code == "too_large"
    assert not Submission.objects.exists()


def test_create_refuses_text_that_is_not_utf8(learner, dropout):
    with pytest.raises(services.SubmissionRejected):
        services.submission_create(user=learner, exercise=dropout, code="x = '\ud800'\n")


def _abandon(submission) -> None:
    """Make a claimed submission look as its worker died long ago."""
    Submission.objects.filter(pk=submission.pk).update(started_at=timezone.now() - timedelta(hours=1))


def test_a_grading_in_progress_is_not_taken_over_but_its_owner_may_resume(dropout):
    submission = make_submission()
    _, token = services.submission_claim(submission_id=submission.pk)
    assert services.submission_claim(submission_id=submission.pk) is None, "a duplicate message"
    assert services.submission_claim(submission_id=submission.pk, resume_token=uuid.uuid4()) is None
    resumed = services.submission_claim(submission_id=submission.pk, resume_token=token)
    assert resumed is not None and resumed[1] != token


def test_only_one_claim_wins(dropout):
    submission = make_submission()
    first = services.submission_claim(submission_id=submission.pk)
    assert first is not None
    claimed, token = first
    assert claimed.status == Submission.Status.RUNNING and claimed.attempts == 1
    services.submission_record_report(submission_id=submission.pk, token=token, report=_report(), exercise_version="v")
    assert services.submission_claim(submission_id=submission.pk) is None


def test_a_superseded_claim_cannot_write(dropout):
    submission = make_submission()
    _, stale = services.submission_claim(submission_id=submission.pk)
    _abandon(submission)
    _, current = services.submission_claim(submission_id=submission.pk)
    assert not services.submission_record_report(
        submission_id=submission.pk, token=stale, report=_report("wrong_answer", 0.5), exercise_version="v"
    )
    assert services.submission_record_report(
        submission_id=submission.pk, token=current, report=_report(), exercise_version="v"
    )
    submission.refresh_from_db()
    assert submission.verdict == "accepted" and submission.attempts == 2


def test_a_report_is_stored_with_the_exercise_version(dropout):
    submission = make_submission()
    _, token = services.submission_claim(submission_id=submission.pk)
    services.submission_record_report(
        submission_id=submission.pk, token=token, report=_report("wrong_answer", 0.25), exercise_version="abc"
    )
    submission.refresh_from_db()
    assert (submission.status, submission.verdict, submission.score) == ("done", "wrong_answer", 0.25)
    assert submission.exercise_version == "abc" and submission.finished_at is not None
    assert submission.results[0]["name"] == "c"


@override_settings(GRADING_MAX_ATTEMPTS=2)
def test_after_the_attempt_cap_the_submission_ends_with_system_error(dropout):
    submission = make_submission()
    services.submission_claim(submission_id=submission.pk)
    _abandon(submission)
    services.submission_claim(submission_id=submission.pk)
    _abandon(submission)
    assert services.submission_claim(submission_id=submission.pk) is None
    assert services.submission_give_up_if_exhausted(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == "error" and submission.verdict == "system_error"
    assert "interrupted 2 times" in submission.message


def test_release_puts_a_claim_back_in_the_queue(dropout):
    submission = make_submission()
    _, token = services.submission_claim(submission_id=submission.pk)
    assert services.submission_release(submission_id=submission.pk, token=token)
    submission.refresh_from_db()
    assert submission.status == "queued"


def test_claiming_an_unknown_submission_returns_none():
    assert services.submission_claim(submission_id=uuid.uuid4()) is None


def test_regrading_keeps_the_previous_result_and_tells_the_learner_why(
    dropout, instructor, django_capture_on_commit_callbacks
):
    submission = make_submission(
        status="done", verdict="wrong_answer", score=0.5, exercise_version="v1", finished_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        regraded = services.submission_regrade(submission_id=submission.pk, reason="Flaky check fixed", by=instructor)
    assert len(callbacks) == 1
    assert (regraded.status, regraded.verdict, regraded.regraded_reason) == ("queued", None, "Flaky check fixed")
    record = regraded.previous_result
    assert (record.verdict, record.score, record.exercise_version) == ("wrong_answer", 0.5, "v1")
    assert (record.graded_at, record.replaced_at, record.replaced_by) == (
        submission.finished_at,
        regraded.regraded_at,
        instructor,
    )


def test_a_refused_regrade_keeps_no_record(dropout):
    submission = make_submission(status="running")
    with pytest.raises(services.RegradeRefused):
        services.submission_regrade(submission_id=submission.pk)
    assert not submission.grading_records.exists()
