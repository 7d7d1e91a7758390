"""Whether grading is possible is asked on every page and submission: read once, then kept a few seconds,
and cleared by a worker's report."""

import time

import pytest

from quizsite.ops import selectors
from quizsite.ops.selectors import grading_unavailable_reason
from quizsite.ops.services import worker_sandbox_report

pytestmark = pytest.mark.django_db


def test_the_answer_is_read_once_then_kept(django_assert_num_queries):
    worker_sandbox_report(hostname="w1", pid=1, runtime="numpy", error=None)
    with django_assert_num_queries(1):
        assert grading_unavailable_reason() is None
    with django_assert_num_queries(0):
        assert grading_unavailable_reason() is None


def test_a_worker_report_clears_the_kept_answer_once_committed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        worker_sandbox_report(hostname="w1", pid=1, runtime="numpy", error=None)
    assert grading_unavailable_reason() is None
    with django_capture_on_commit_callbacks(execute=True):
        worker_sandbox_report(hostname="w1", pid=1, runtime="numpy", error="cannot create a user namespace")
    assert "cannot create a user namespace" in grading_unavailable_reason()


def test_a_kept_answer_expires(monkeypatch):
    monkeypatch.setattr(selectors, "AVAILABILITY_CACHED_SECONDS", 0.2)
    worker_sandbox_report(hostname="w1", pid=1, runtime="numpy", error=None)
    assert grading_unavailable_reason() is None
    worker_sandbox_report(hostname="w1", pid=1, runtime="numpy", error="broken")  # not committed: not cleared
    assert grading_unavailable_reason() is None
    time.sleep(0.3)
    assert "broken" in grading_unavailable_reason()
