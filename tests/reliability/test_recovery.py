"""Recovery with real processes: the sweeper finishes what a dead worker left running, and a worker
told to stop (SIGTERM) finishes its grading and hands back what it had not started."""

import os
import signal
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from quizsite.learning.models import Submission
from tests.helpers import make_submission
from tests.reliability.helpers import SLOW, SOLUTION, submit
from tests.reliability.stack import wait_for

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]


def test_a_submission_left_running_by_a_dead_worker_is_requeued_and_finishes(stack):
    long_ago = timezone.now() - timedelta(minutes=10)
    orphan = make_submission(code=SOLUTION, status="running", attempts=1, claim_token=uuid.uuid4(), started_at=long_ago)
    stack.start_worker("a")
    wait_for(lambda: Submission.objects.get(pk=orphan.pk).status == "done", 60, "the sweeper to requeue it")
    orphan.refresh_from_db()
    assert orphan.verdict == "accepted" and orphan.attempts == 2


def test_sigterm_lets_the_running_grading_finish_and_hands_back_the_rest(stack, token):
    stack.start_worker("a", concurrency=1)
    running = submit(stack, token, SLOW, "slow-1")
    wait_for(lambda: Submission.objects.get(pk=running).status == "running", 30, "the grading to start")
    waiting = submit(stack, token, SOLUTION, "next-1")
    worker = stack.workers.pop("a")
    stopped_at = time.monotonic()
    os.kill(worker.pid, signal.SIGTERM)  # what `docker stop` sends to the worker's main process
    worker.wait(timeout=60)
    took = time.monotonic() - stopped_at
    assert Submission.objects.get(pk=running).verdict == "accepted", "the grading in progress finished"
    assert Submission.objects.get(pk=waiting).status == "queued", "the one not started was handed back"
    assert took < 30, f"shutdown took {took:.1f} s"
    stack.start_worker("b")
    wait_for(lambda: Submission.objects.get(pk=waiting).status == "done", 60, "another worker to grade it")
    assert Submission.objects.get(pk=waiting).attempts == 1
