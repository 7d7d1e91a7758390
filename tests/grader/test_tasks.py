"""The grading task: grades through the real sandbox, is idempotent, and survives redelivery."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from grader.tasks import grade_submission
from quizsite.learning.models import Submission
from tests.helpers import exercise_file, make_submission

pytestmark = pytest.mark.django_db


def test_a_correct_submission_is_graded_accepted(dropout):
    submission = make_submission(code=exercise_file("inverted-dropout", "solution.py"))
    grade_submission.apply(args=[str(submission.pk)])
    submission.refresh_from_db()
    assert (submission.status, submission.verdict, submission.score) == ("done", "accepted", 1.0)
    assert submission.exercise_version == dropout.content_hash
    assert submission.started_at <= submission.finished_at


def test_a_second_delivery_of_a_final_submission_changes_nothing(dropout):
    submission = make_submission(code=exercise_file("inverted-dropout", "wrong/no_rescale.py"))
    grade_submission.apply(args=[str(submission.pk)])
    submission.refresh_from_db()
    first = (submission.verdict, submission.finished_at, submission.attempts)
    grade_submission.apply(args=[str(submission.pk)])
    submission.refresh_from_db()
    assert (submission.verdict, submission.finished_at, submission.attempts) == first
    assert first[0] == "wrong_answer" and first[2] == 1


def test_a_submission_left_running_by_a_dead_worker_is_regraded(dropout):
    submission = make_submission(code=exercise_file("inverted-dropout", "solution.py"))
    long_ago = timezone.now() - timedelta(hours=1)
    Submission.objects.filter(pk=submission.pk).update(status="running", attempts=1, started_at=long_ago)
    grade_submission.apply(args=[str(submission.pk)])
    submission.refresh_from_db()
    assert (submission.status, submission.verdict, submission.attempts) == ("done", "accepted", 2)


def test_a_duplicate_message_leaves_a_grading_in_progress_alone(dropout):
    submission = make_submission(code=exercise_file("inverted-dropout", "solution.py"))
    Submission.objects.filter(pk=submission.pk).update(status="running", attempts=1, started_at=timezone.now())
    grade_submission.apply(args=[str(submission.pk)])
    submission.refresh_from_db()
    assert (submission.status, submission.verdict, submission.attempts) == ("running", None, 1)


@override_settings(GRADING_MAX_ATTEMPTS=3)
def test_a_submission_that_keeps_killing_workers_stops_with_system_error(dropout):
    submission = make_submission()
    Submission.objects.filter(pk=submission.pk).update(status="running", attempts=3)
    grade_submission.apply(args=[str(submission.pk)])
    submission.refresh_from_db()
    assert (submission.status, submission.verdict) == ("error", "system_error")
    assert submission.message


def test_an_infinite_loop_ends_as_time_limit_exceeded(dropout):
    dropout.cpu_seconds = 1
    dropout.save()
    submission = make_submission(exercise=dropout, code="while True:\n    pass\n")
    grade_submission.apply(args=[str(submission.pk)])
    submission.refresh_from_db()
    assert (submission.status, submission.verdict, submission.score) == ("done", "time_limit_exceeded", 0.0)
    assert "CPU-time limit" in submission.message


def test_an_example_run_grades_only_the_public_checks(dropout):
    submission = make_submission(code=exercise_file("inverted-dropout", "solution.py"), examples_only=True)
    grade_submission.apply(args=[str(submission.pk)])
    submission.refresh_from_db()
    assert submission.verdict == "accepted"
    assert [result["name"] for result in submission.results] == dropout.public_examples
    assert len(dropout.public_examples) < len(dropout.checks_source.split("@check(")) - 1


def test_database_retries_do_not_use_up_the_sandbox_retries(dropout, monkeypatch):
    # After many database retries, a sandbox failure still gets its own retries instead of failing at once.
    from celery.exceptions import Retry

    from grader import tasks
    from grader.sandbox.supervisor import SandboxUnavailable

    def unavailable():
        raise SandboxUnavailable("the zygote could not start")

    monkeypatch.setattr(tasks, "zygotes", unavailable)
    submission = make_submission(code=exercise_file("inverted-dropout", "solution.py"))
    with pytest.raises(Retry):
        grade_submission.run(str(submission.pk), database_retries=9)
    submission.refresh_from_db()
    assert submission.status == "queued" and submission.verdict is None
    grade_submission.run(str(submission.pk), database_retries=9, sandbox_retries=3)
    submission.refresh_from_db()
    assert (submission.status, submission.verdict) == ("error", "system_error")
    assert "unavailable" in submission.message
