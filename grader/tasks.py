"""Celery tasks: glue between the database (services) and the sandbox (runner). No grading logic."""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import timedelta

from billiard.process import current_process
from celery import shared_task
from celery.signals import task_postrun, task_prerun, worker_process_init, worker_process_shutdown
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection

from grader import runner
from grader.sandbox.limits import Limits
from grader.sandbox.supervisor import SandboxUnavailable, ZygotePool
from grader.vocabulary import RUNTIMES
from quizsite import logs
from quizsite.catalog import services as catalog
from quizsite.learning import services
from quizsite.learning.models import RegradeItem, Submission
from quizsite.learning.regrades import services as regrades
from quizsite.ops.services import worker_sandbox_report

log = logging.getLogger(__name__)

_pools: list[ZygotePool] = []
_log_context: dict[str, list] = {}
# When this process last told the database its sandbox works, per runtime (time.monotonic()).
_reported_ok: dict[str, float] = {}
# Two budgets, counted apart: database outages (the claim makes regrading safe) and sandbox failures.
_DATABASE_RETRIES = 10
_SANDBOX_RETRIES = 3


def zygotes() -> ZygotePool:
    """This worker process's zygotes, one per runtime, each started on first use."""
    if not _pools:
        _pools.append(ZygotePool(mode=settings.GRADER_SANDBOX))
    return _pools[0]


@worker_process_init.connect
def _warm_sandbox(**_kwargs) -> None:
    # Before the zygotes start, so they and every learner process inherit it (settings.GRADER_NICENESS).
    os.setpriority(os.PRIO_PROCESS, 0, max(os.getpriority(os.PRIO_PROCESS, 0), settings.GRADER_NICENESS))
    _lower_session_priority(settings.GRADER_NICENESS)
    # Pay the NumPy/PyTorch imports once at start-up, not on the first learner's submission;
    # and refuse loudly, in the log and on /readyz, when the isolation the sandbox needs is missing.
    for runtime in RUNTIMES:
        try:
            zygotes()(runtime)
            _report_sandbox(runtime, None)
        except SandboxUnavailable as exc:
            log.error("sandbox unavailable, this worker cannot grade: %s", exc)
            _report_sandbox(runtime, str(exc))
    # The connection opened here must not be carried into the tasks that follow.
    connection.close()


def _lower_session_priority(niceness: int) -> None:
    """Give the worker's session the same niceness as its processes, where the kernel groups by session.

    With autogroups (``kernel.sched_autogroup_enabled``, on by default in most distributions), the scheduler first
    shares the CPU between sessions, and a process's own niceness only counts against the processes of its
    session: a grading backlog took as much CPU from a web server in another session as it would at niceness 0.
    Only when the worker's main process leads a session of its own (``manage.py serve``, systemd and container
    entry points start it so) is that session the worker's alone to lower: this is a pool process, a child of
    that main process, or (with the solo pool) the main process itself. Best effort: without autogroups the
    file is absent, and the processes' niceness is all there is. The zygotes lead sessions of their own, as
    nice as the worker (``grader.sandbox.zygote``).
    """
    main = os.getpid() if current_process().name == "MainProcess" else os.getppid()
    if niceness <= 0 or os.getsid(0) != main:
        return
    try:
        with open("/proc/self/autogroup", "w", encoding="ascii") as autogroup:
            autogroup.write(str(niceness))
    except OSError as exc:
        log.info("the worker's session keeps its scheduling weight: %s", exc)


def _report_sandbox(runtime: str, error: str | None) -> None:
    try:
        worker_sandbox_report(hostname=socket.gethostname(), pid=os.getpid(), runtime=runtime, error=error)
    except DatabaseError:
        log.exception("could not record the sandbox status")
        return
    if error is None:
        _reported_ok[runtime] = time.monotonic()
    else:
        _reported_ok.pop(runtime, None)


def _heartbeat(runtime: str) -> None:
    """After a grading: report the sandbox working, unless this process said so within
    ``settings.GRADER_HEARTBEAT_SECONDS``."""
    last = _reported_ok.get(runtime)
    if last is None or time.monotonic() - last >= settings.GRADER_HEARTBEAT_SECONDS:
        _report_sandbox(runtime, None)


@worker_process_shutdown.connect
def _stop_sandbox(**_kwargs) -> None:
    for pool in _pools:
        pool.close()


@task_prerun.connect
def _bind_log_context(task_id: str, task, args: tuple = (), kwargs: dict | None = None, **_kwargs) -> None:
    # Bound before the task runs and released after Celery has logged its outcome, so every line of
    # a grading (ours, the sandbox supervisor's, Celery's "succeeded") names the submission.
    submission_id = (kwargs or {}).get("submission_id") or (args[0] if task.name == grade_submission.name else None)
    _log_context[task_id] = logs.bind(task_id=task_id, submission_id=submission_id)


@task_postrun.connect
def _unbind_log_context(task_id: str, **_kwargs) -> None:
    logs.unbind(_log_context.pop(task_id, []))


def job_for(submission: Submission) -> runner.Job:
    """The sandbox job for a submission, with its exercise's limits and runtime.

    The hidden cases are drawn from a secret the job makes for this grading alone (``Job.seed``):
    never derived from the code, so a submission cannot know or replay them.
    """
    exercise = submission.exercise
    limits = Limits.from_exercise_units(
        cpu_seconds=exercise.cpu_seconds,
        wall_seconds=exercise.wall_seconds,
        memory_mb=exercise.memory_mb,
        max_processes=exercise.max_processes,
        output_kb=exercise.output_kb,
    )
    return runner.Job(
        code=submission.code,
        checks_source=exercise.checks_source,
        limits=limits,
        public_only=submission.examples_only,
        runtime=exercise.runtime,
        allowed_modules=frozenset(exercise.allowed_imports),
    )


# max_retries=None: the two budgets below are counted in the task's own arguments, not by Celery.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None, ignore_result=True)
def grade_submission(
    self, submission_id: str, resume_token: str | None = None, database_retries: int = 0, sandbox_retries: int = 0
) -> None:
    """Grade one submission. Idempotent: a final submission, or one being graded elsewhere, is left alone."""
    claim = None
    retries = {"database_retries": database_retries, "sandbox_retries": sandbox_retries}
    try:
        claim = services.submission_claim(submission_id=submission_id, resume_token=resume_token)
        if claim is None:
            services.submission_give_up_if_exhausted(submission_id=submission_id)
            return
        _grade(self, *claim, retries)
    except (OperationalError, InterfaceError) as exc:
        # The database restarted or dropped us: grade again shortly, resuming our own claim; once the
        # retries run out the sweeper still finds the submission.
        if database_retries >= _DATABASE_RETRIES:
            raise
        log.warning("submission %s: database unavailable, retrying: %s", submission_id, exc)
        token = str(claim[1]) if claim else resume_token
        kwargs = {"submission_id": submission_id, "resume_token": token, **retries}
        kwargs["database_retries"] += 1
        raise self.retry(kwargs=kwargs, countdown=min(2**database_retries, 30)) from exc


def _grade(task, submission: Submission, token, retries: dict[str, int]) -> None:
    submission_id = str(submission.pk)
    try:
        report = runner.grade(job_for(submission), zygotes())
    except SandboxUnavailable as exc:
        log.error("submission %s: sandbox unavailable: %s", submission_id, exc)
        _report_sandbox(submission.exercise.runtime, str(exc))
        if retries["sandbox_retries"] >= _SANDBOX_RETRIES:
            services.submission_fail(
                submission_id=submission_id, token=token, reason=f"The grader is unavailable: {exc}"
            )
            return
        services.submission_release(submission_id=submission_id, token=token)
        kwargs = {"submission_id": submission_id, **retries}
        kwargs["sandbox_retries"] += 1
        raise task.retry(kwargs=kwargs, countdown=2 ** retries["sandbox_retries"]) from exc
    except Exception:
        log.exception("submission %s: grading failed", submission_id)
        services.submission_fail(
            submission_id=submission_id, token=token, reason="The grader failed unexpectedly; please submit again."
        )
        return
    services.submission_record_report(
        submission_id=submission_id, token=token, report=report, exercise_version=submission.exercise.content_hash
    )
    _heartbeat(submission.exercise.runtime)
    log.info("submission %s graded: %s (%.2f) in %d ms", submission_id, report.verdict, report.score, report.grading_ms)


@shared_task(ignore_result=True)
def sweep_stuck_submissions() -> None:
    """Periodic (Celery beat): requeue submissions a lost message or a dead worker left behind."""
    ages = {
        "queued_for": timedelta(seconds=settings.SWEEP_QUEUED_AFTER_SECONDS),
        "running_for": timedelta(seconds=settings.SWEEP_RUNNING_AFTER_SECONDS),
    }
    counts = (
        services.submissions_requeue_stuck(**ages)
        | regrades.regrade_items_requeue_stuck(**ages)
        | {f"validations_{name}": count for name, count in catalog.validation_runs_requeue_stuck(**ages).items()}
    )
    if any(counts.values()):
        log.warning("sweeper recovered submissions: %s", counts)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None, ignore_result=True)
def preview_regrade_item(
    self, item_id: int, resume_token: str | None = None, database_retries: int = 0, sandbox_retries: int = 0
) -> None:
    """Grade one submission of a regrade preview against its exercise's current checks. The outcome goes on
    the regrade item, never on the submission. Idempotent as ``grade_submission`` is, with the same budgets."""
    claim = None
    retries = {"database_retries": database_retries, "sandbox_retries": sandbox_retries}
    try:
        claim = regrades.regrade_item_claim(item_id=item_id, resume_token=resume_token)
        if claim is None:
            regrades.regrade_item_give_up_if_exhausted(item_id=item_id)
            return
        with logs.bound(submission_id=claim[0].submission_id):
            _preview(self, *claim, retries)
    except (OperationalError, InterfaceError) as exc:
        if database_retries >= _DATABASE_RETRIES:
            raise
        log.warning("regrade item %s: database unavailable, retrying: %s", item_id, exc)
        kwargs = {"item_id": item_id, "resume_token": str(claim[1]) if claim else resume_token, **retries}
        kwargs["database_retries"] += 1
        raise self.retry(kwargs=kwargs, countdown=min(2**database_retries, 30)) from exc


def _preview(task, item: RegradeItem, token, retries: dict[str, int]) -> None:
    exercise = item.submission.exercise
    try:
        # A fresh secret seed, as for any grading: the preview draws its own hidden cases.
        report = runner.grade(job_for(item.submission), zygotes())
    except SandboxUnavailable as exc:
        log.error("regrade item %s: sandbox unavailable: %s", item.pk, exc)
        _report_sandbox(exercise.runtime, str(exc))
        if retries["sandbox_retries"] >= _SANDBOX_RETRIES:
            regrades.regrade_item_fail(item_id=item.pk, token=token, error=f"The grader is unavailable: {exc}")
            return
        regrades.regrade_item_release(item_id=item.pk, token=token)
        kwargs = {"item_id": item.pk, **retries}
        kwargs["sandbox_retries"] += 1
        raise task.retry(kwargs=kwargs, countdown=2 ** retries["sandbox_retries"]) from exc
    except Exception as exc:
        log.exception("regrade item %s: grading failed", item.pk)
        regrades.regrade_item_fail(item_id=item.pk, token=token, error=f"The grader failed: {exc!r}")
        return
    # The version read with the checks that were run (one row), so apply can tell what the preview graded against.
    regrades.regrade_item_record(item_id=item.pk, token=token, report=report, exercise_version=exercise.content_hash)
    log.info("regrade item %s previewed: %s (%.2f)", item.pk, report.verdict, report.score)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def validate_exercise(run_id: int) -> None:
    """Validate one version of an exercise (``catalog.services.validation_run_execute``) with this worker's
    zygotes. Idempotent: a run already finished, or being validated elsewhere, is left alone."""
    # Stop starting gradings halfway through the task's time limit: the one under way then still ends
    # (a grading is bounded by the exercise's limits) before Celery would kill the task.
    catalog.validation_run_execute(run_id=run_id, zygotes=zygotes(), time_budget=settings.CELERY_TASK_TIME_LIMIT / 2)
