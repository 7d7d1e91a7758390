"""The sweeper recovers submissions a lost message or a dead worker left behind, and only those."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from quizsite.learning import services
from quizsite.learning.models import Submission
from tests.helpers import make_submission

pytestmark = pytest.mark.django_db
QUEUED_FOR, RUNNING_FOR = timedelta(minutes=2), timedelta(minutes=5)


def _sweep(capture):
    """Sweep; return its counts and how many gradings it enqueued (other after-commit work, such as announcing a
    status change to waiting pages, is not counted)."""
    with capture(execute=False) as callbacks:
        counts = services.submissions_requeue_stuck(queued_for=QUEUED_FOR, running_for=RUNNING_FOR)
    return counts, sum(callback.__qualname__.startswith("_enqueue_on_commit.") for callback in callbacks)


def _age(submission, **fields):
    Submission.objects.filter(pk=submission.pk).update(**fields)


def test_a_submission_left_running_by_a_dead_worker_goes_back_to_the_queue(dropout, django_capture_on_commit_callbacks):
    submission = make_submission(attempts=1)
    _age(submission, status="running", started_at=timezone.now() - timedelta(minutes=10))
    counts, enqueued = _sweep(django_capture_on_commit_callbacks)
    submission.refresh_from_db()
    assert counts["requeued_running"] == 1 and enqueued == 1
    assert submission.status == "queued" and submission.claim_token is None


def test_a_queued_submission_whose_message_was_lost_is_sent_again(dropout, django_capture_on_commit_callbacks):
    submission = make_submission()
    _age(submission, sent_at=timezone.now() - timedelta(minutes=3))
    counts, enqueued = _sweep(django_capture_on_commit_callbacks)
    assert counts["requeued_queued"] == 1 and enqueued == 1
    # Its sending time moved: the next sweep leaves it alone for a full period.
    assert _sweep(django_capture_on_commit_callbacks) == (
        {"requeued_queued": 0, "requeued_running": 0, "given_up": 0},
        0,
    )


def test_recent_and_final_submissions_are_left_alone(dropout, django_capture_on_commit_callbacks):
    make_submission()
    running = make_submission()
    _age(running, status="running", started_at=timezone.now() - timedelta(minutes=1))
    done = make_submission()
    _age(done, status="done", verdict="accepted", updated_at=timezone.now() - timedelta(days=1))
    counts, enqueued = _sweep(django_capture_on_commit_callbacks)
    assert counts == {"requeued_queued": 0, "requeued_running": 0, "given_up": 0} and enqueued == 0


@override_settings(GRADING_MAX_ATTEMPTS=2)
def test_after_the_attempt_cap_the_sweeper_gives_up_with_a_reason(dropout, django_capture_on_commit_callbacks):
    submission = make_submission()
    _age(submission, status="running", attempts=2, started_at=timezone.now() - timedelta(minutes=10))
    counts, enqueued = _sweep(django_capture_on_commit_callbacks)
    submission.refresh_from_db()
    assert counts["given_up"] == 1 and enqueued == 0
    assert (submission.status, submission.verdict) == ("error", "system_error") and submission.message


def test_a_sweep_keeps_the_queue_in_order_and_leaves_updated_at_alone(dropout, django_capture_on_commit_callbacks):
    from quizsite.learning.selectors import submission_queue_estimate

    now = timezone.now()
    early = make_submission()
    _age(
        early,
        queued_at=now - timedelta(minutes=5),
        sent_at=now - timedelta(minutes=5),
        updated_at=now - timedelta(minutes=5),
    )
    late = make_submission()
    _age(late, queued_at=now - timedelta(seconds=30), sent_at=now - timedelta(seconds=30))
    counts, _ = _sweep(django_capture_on_commit_callbacks)
    assert counts["requeued_queued"] == 1  # the early one's message is sent again
    early.refresh_from_db()
    late.refresh_from_db()
    assert submission_queue_estimate(early)["ahead"] == 0
    assert submission_queue_estimate(late)["ahead"] == 1
    assert early.updated_at < now - timedelta(minutes=4), "an API client syncing on updated_at sees no change"
