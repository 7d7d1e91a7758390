"""The grading task: grades through the real sandbox, is idempotent, and survives redelivery."""

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from grader import tasks
from grader.tasks import grade_submission, preview_regrade_item
from quizsite.learning.models import Submission
from quizsite.ops.models import WorkerSandbox
from tests.helpers import change_exercise_checks, dropout_checks_accepting_any_p, exercise_file, make_submission

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


def _previewing(dropout, django_user_model, code: str):
    """A graded submission of ``code``, the dropout checks changed to accept any p, and a regrade of it."""
    from quizsite.learning.regrades.services import regrade_preview_start

    submission = make_submission(
        code=code,
        status="done",
        verdict="accepted",
        score=1.0,
        exercise_version=dropout.content_hash,
        finished_at=timezone.now(),
    )
    change_exercise_checks(dropout, dropout_checks_accepting_any_p())
    staff = django_user_model.objects.create_superuser(username="root")
    regrade = regrade_preview_start(exercise=dropout, requested_by=staff, reason="p outside [0, 1] is allowed now")
    return submission, regrade.items.get()


def test_a_regrade_preview_grades_against_the_current_checks_and_leaves_the_submission_alone(
    dropout, django_user_model
):
    old_version = dropout.content_hash
    submission, item = _previewing(dropout, django_user_model, exercise_file("inverted-dropout", "solution.py"))
    preview_regrade_item.apply(args=[item.pk])
    item.refresh_from_db()
    assert (item.status, item.new_verdict, item.new_score) == ("done", "wrong_answer", round(13 / 14, 6))
    assert item.new_exercise_version == dropout.content_hash != old_version
    assert any(r["name"] == "Any p is accepted" and not r["passed"] for r in item.new_results)
    submission.refresh_from_db()
    assert (submission.verdict, submission.score, submission.exercise_version) == ("accepted", 1.0, old_version)
    first = (item.graded_at, item.attempts, item.new_case_seed)
    preview_regrade_item.apply(args=[item.pk])
    item.refresh_from_db()
    assert (item.graded_at, item.attempts, item.new_case_seed) == first, "a second delivery grades nothing"


def test_a_regrade_preview_the_grader_cannot_run_ends_failed_not_as_a_verdict(dropout, django_user_model, monkeypatch):
    from grader import tasks
    from grader.sandbox.supervisor import SandboxUnavailable

    def unavailable():
        raise SandboxUnavailable("the zygote could not start")

    monkeypatch.setattr(tasks, "zygotes", unavailable)
    _, item = _previewing(dropout, django_user_model, "x = 1\n")
    preview_regrade_item.run(item.pk, sandbox_retries=3)
    item.refresh_from_db()
    assert (item.status, item.new_verdict) == ("failed", None)
    assert "unavailable" in item.error
    item.regrade.refresh_from_db()
    assert item.regrade.status == "ready"


def test_the_validation_task_validates_a_pending_run_once_and_publishes_its_version(db, tmp_path):
    import shutil

    from grader.tasks import validate_exercise
    from quizsite.catalog.models import ValidationRun
    from quizsite.catalog.selectors import published_exercises
    from quizsite.catalog.services import content_sync
    from tests.helpers import CONTENT_DIR

    shutil.copytree(CONTENT_DIR / "topics", tmp_path / "topics")
    shutil.copytree(CONTENT_DIR / "inverted-dropout", tmp_path / "inverted-dropout")
    run_id = content_sync(root=tmp_path).validations[0]
    validate_exercise.apply(args=[run_id])
    run = ValidationRun.objects.get(pk=run_id)
    assert (run.status, run.attempts) == ("passed", 1) and list(published_exercises()) == [run.exercise]
    validate_exercise.apply(args=[run_id])
    assert ValidationRun.objects.get(pk=run_id).finished_at == run.finished_at, "a second delivery validates nothing"


def test_gradings_report_the_working_sandbox_once_a_minute_not_on_every_grading(dropout, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(tasks.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(tasks, "_reported_ok", {})
    code = exercise_file("inverted-dropout", "solution.py")
    grade_submission.apply(args=[str(make_submission(code=code).pk)])
    first = WorkerSandbox.objects.get().updated_at
    clock[0] += 59
    grade_submission.apply(args=[str(make_submission(code=code).pk)])
    assert WorkerSandbox.objects.get().updated_at == first, "no write within the minute"
    clock[0] += 1
    grade_submission.apply(args=[str(make_submission(code=code).pk)])
    assert WorkerSandbox.objects.get().updated_at > first


def test_a_grading_reads_its_submission_once_for_the_followers_of_its_result(
    dropout, monkeypatch, django_assert_max_num_queries
):
    # The claim, the submission with its exercise, the result, the row the followers read (webhooks, hints, LMS
    # passback), the learner's API client, the linked assignments, the hints unlocked; plus the savepoint the test's
    # transaction turns the result's transaction into. Each extra read of the submission costs every grading.
    monkeypatch.setattr(tasks, "_reported_ok", {"numpy": float("inf")})  # no heartbeat in this grading
    submission = make_submission(code=exercise_file("inverted-dropout", "wrong/no_rescale.py"))
    with django_assert_max_num_queries(9) as captured:
        grade_submission.apply(args=[str(submission.pk)])
    reads = [
        query["sql"] for query in captured.captured_queries if query["sql"].startswith('SELECT "learning_submission"')
    ]
    assert len(reads) == 2, reads
    submission.refresh_from_db()
    assert submission.verdict == "wrong_answer"
    assert submission.user.hint_unlocks.exists(), "the failed checks' hints are unlocked"


def test_a_sandbox_reported_broken_is_reported_working_by_the_next_grading(dropout, monkeypatch):
    monkeypatch.setattr(tasks, "_reported_ok", {})
    grade_submission.apply(args=[str(make_submission(code=exercise_file("inverted-dropout", "solution.py")).pk)])
    tasks._report_sandbox(dropout.runtime, "cannot create a PID namespace")
    assert WorkerSandbox.objects.get().ok is False
    grade_submission.apply(args=[str(make_submission(code=exercise_file("inverted-dropout", "solution.py")).pk)])
    assert WorkerSandbox.objects.get().ok is True


_SESSION_PROBE = """
import json, os, sys
import django
django.setup()
from billiard.process import current_process
from grader.tasks import _lower_session_priority

def autogroup():
    # Empty for a process in no session's group: one in PID 1's session, as a CI runner's jobs may be.
    with open("/proc/self/autogroup") as autogroup:
        return autogroup.read().strip()

before = autogroup()
if sys.argv[1] == "pool":
    pid = os.fork()
    if pid == 0:  # as a Celery pool process is: a child of the worker's main process, named by billiard
        current_process().name = "ForkPoolWorker-1"
        _lower_session_priority(7)
        os._exit(0)
    os.waitpid(pid, 0)
else:  # the solo pool: the worker's main process itself
    _lower_session_priority(7)
print(json.dumps([before, autogroup()]))
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/autogroup"), reason="the kernel groups no sessions")
@pytest.mark.parametrize("pool", ["pool", "solo"])
@pytest.mark.parametrize("own_session", [True, False])
def test_a_worker_lowers_its_sessions_priority_only_when_the_session_is_its_own(pool, own_session):
    # The scheduler shares the CPU between sessions first: a worker's niceness alone leaves a web server in another
    # session competing with it as equals. Never another program's session (a shell's, say) is lowered.
    probe = subprocess.run(
        [sys.executable, "-c", _SESSION_PROBE, pool],
        capture_output=True,
        text=True,
        start_new_session=own_session,
        check=True,
    )
    before, after = json.loads(probe.stdout)
    if own_session:
        assert after.endswith(" nice 7") and before.endswith(" nice 0")
    else:
        assert after == before
