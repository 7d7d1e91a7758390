"""Live submission updates on the real Redis: a waiter hears a change the moment it is committed, and carries on
by re-reading the row when Redis cannot be reached."""

import threading
import time

import pytest
from django.db import transaction

from quizsite.catalog.models import Exercise, Topic
from quizsite.learning import events
from quizsite.learning.models import Submission
from quizsite.learning.services import submission_claim
from tests.helpers import make_submission

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def exercise():
    """A bare exercise row: these tests never grade, so no content sync is needed."""
    topic = Topic.objects.create(slug="events", title="Events")
    return Exercise.objects.create(
        slug="events", title="Events", topic=topic, statement="-", starter_code="", solution_code="", checks_source=""
    )


def _status_changed(submission_id, seen: str):
    return lambda: Submission.objects.get(pk=submission_id).status != seen


def _later(seconds: float, action) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(seconds), action()))
    thread.start()
    return thread


def test_a_waiter_wakes_when_a_claim_is_committed_not_at_its_timeout(exercise):
    submission = make_submission(exercise=exercise)
    thread = _later(0.5, lambda: submission_claim(submission_id=submission.pk))
    started = time.monotonic()
    events.submission_change_wait(submission.pk, changed=_status_changed(submission.pk, "queued"), timeout=15)
    thread.join()
    assert Submission.objects.get(pk=submission.pk).status == "running"
    assert 0.4 < time.monotonic() - started < 5


def test_an_announcement_is_sent_only_once_the_transaction_commits(exercise):
    submission = make_submission(exercise=exercise)
    pubsub = events._redis().pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(f"gym:submission:{submission.pk}")
    pubsub.get_message(timeout=1)  # the subscription's confirmation
    with transaction.atomic():
        events.submission_changed(submission.pk)
        assert pubsub.get_message(timeout=0.5) is None
    message = pubsub.get_message(timeout=5)
    pubsub.close()
    assert message is not None and message["channel"] == f"gym:submission:{submission.pk}".encode()


def test_a_wait_without_a_change_returns_after_its_timeout(exercise):
    submission = make_submission(exercise=exercise)
    started = time.monotonic()
    events.submission_change_wait(submission.pk, changed=_status_changed(submission.pk, "queued"), timeout=0.6)
    assert 0.6 <= time.monotonic() - started < 3


def test_without_redis_a_waiter_re_reads_the_row_and_still_sees_the_change(exercise, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    submission = make_submission(exercise=exercise)
    thread = _later(0.5, lambda: Submission.objects.filter(pk=submission.pk).update(status="running"))
    started = time.monotonic()
    events.submission_change_wait(submission.pk, changed=_status_changed(submission.pk, "queued"), timeout=15)
    thread.join()
    assert time.monotonic() - started < 5
    events.submission_changed(submission.pk)  # publishing without Redis is logged, never raised
