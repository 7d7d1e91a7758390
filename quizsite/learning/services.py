"""Writes for submissions: create, claim for grading, record the outcome.

Grading may be delivered more than once (``acks_late``, worker crashes), so every transition is a
single conditional UPDATE that only one caller can win.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from quizsite.catalog.models import Exercise
from quizsite.learning import events
from quizsite.learning.idempotency import idempotent_create
from quizsite.learning.models import GradingRecord, HintUnlock, IdempotencyKey, Submission
from quizsite.lti import passback
from quizsite.webhooks.services import submission_finished_emit

log = logging.getLogger(__name__)
Status = Submission.Status
Verdict = Submission.Verdict
_OUTPUT_KEPT_CHARS = 16 * 1024


class SubmissionRejected(ValueError):
    """The submission cannot be accepted; ``field`` names the offending input."""

    def __init__(self, message: str, *, field: str, code: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code


def submission_create(*, user, exercise: Exercise, code: str, examples_only: bool = False) -> Submission:
    """Store a new submission and enqueue its grading once the transaction commits.

    ``examples_only`` runs just the exercise's public checks (an example run, not a graded attempt).

    Raises :class:`SubmissionRejected` if ``code`` is too large or not valid UTF-8 text.
    """
    limit = settings.SUBMISSION_MAX_CODE_BYTES
    try:
        size = len(code.encode("utf-8"))
    except UnicodeEncodeError:
        raise SubmissionRejected("Code must be valid UTF-8 text.", field="code", code="invalid_text") from None
    if size > limit:
        raise SubmissionRejected(f"Code is {size} bytes; the limit is {limit} bytes.", field="code", code="too_large")
    if "\x00" in code:
        raise SubmissionRejected("Code must not contain NUL characters.", field="code", code="invalid_text")
    submission = Submission.objects.create(
        user=user, exercise=exercise, code=code, examples_only=examples_only, sent_at=timezone.now()
    )
    if not examples_only:
        passback.work_changed(learner_id=user.pk, exercise_id=exercise.pk)  # the LMS shows it as pending
    kind = "example run" if examples_only else "graded"
    log.info("submission created: %s by %s, %d bytes, %s", exercise.slug, user, size, kind,
             extra={"submission_id": str(submission.pk)})  # fmt: skip
    _enqueue_on_commit(submission.pk)
    return submission


def _enqueue_on_commit(submission_id: uuid.UUID) -> None:
    from grader.tasks import grade_submission

    # Enqueued after commit so a worker never looks for a row that is not there yet. Robust: if the
    # broker is down the submission is still stored and queued, and the sweeper enqueues it later.
    transaction.on_commit(lambda: grade_submission.delay(str(submission_id)), robust=True)


def submission_claim(
    *, submission_id: uuid.UUID | str, resume_token: uuid.UUID | str | None = None
) -> tuple[Submission, uuid.UUID] | None:
    """Claim a submission for grading; return it with a new claim token, or ``None`` if not ours.

    Claimable: ``queued``; ``running`` for longer than ``SWEEP_RUNNING_AFTER_SECONDS`` (longer than any
    grading may take: its worker died); or ``running`` under ``resume_token``, the caller's own earlier
    claim (a retry after the database went away). A duplicate message never takes over a grading in
    progress, and the token makes sure only the latest claimer can record results.
    """
    now = timezone.now()
    claimable = Q(status=Status.QUEUED) | Q(
        status=Status.RUNNING, started_at__lt=now - timedelta(seconds=settings.SWEEP_RUNNING_AFTER_SECONDS)
    )
    if resume_token is not None:
        claimable |= Q(status=Status.RUNNING, claim_token=resume_token)
    token = uuid.uuid4()
    won = Submission.objects.filter(claimable, pk=submission_id, attempts__lt=settings.GRADING_MAX_ATTEMPTS).update(
        status=Status.RUNNING,
        attempts=F("attempts") + 1,
        claim_token=token,
        started_at=now,
        updated_at=now,
    )
    if won != 1:
        return None
    events.submission_changed(submission_id)
    # Grading reads the exercise's checks and limits, not what learners read or validation grades.
    unread = [f"exercise__{name}" for name in Exercise.BULKY_FIELDS if name != "checks_source"]
    return Submission.objects.select_related("exercise").defer(*unread).get(pk=submission_id), token


def submission_give_up_if_exhausted(*, submission_id: uuid.UUID | str) -> bool:
    """Finish a submission whose grading was started too often without finishing (it keeps killing
    workers); returns whether it did."""
    with transaction.atomic():
        done = Submission.objects.filter(
            pk=submission_id,
            status__in=[Status.QUEUED, Status.RUNNING],
            attempts__gte=settings.GRADING_MAX_ATTEMPTS,
        ).update(
            status=Status.ERROR,
            verdict=Verdict.SYSTEM_ERROR,
            score=0.0,
            message=(
                f"Grading was interrupted {settings.GRADING_MAX_ATTEMPTS} times and has been stopped. "
                "This is not your code's fault as far as we can tell; please submit again."
            ),
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        if done == 1:
            submission_finished(submission_id=submission_id)
    return done == 1


def submission_record_report(
    *, submission_id: uuid.UUID | str, token: uuid.UUID, report, exercise_version: str
) -> bool:
    """Store a grading report (``grader.runner.Report``) and the exercise version it was graded
    against; only the current claim may write."""
    return _finish(
        submission_id,
        token,
        status=Status.DONE,
        verdict=report.verdict,
        score=report.score,
        results=report.results_as_dicts(),
        message=report.message,
        output=report.output[:_OUTPUT_KEPT_CHARS],
        grading_ms=report.grading_ms,
        exercise_version=exercise_version,
        case_seed=report.seed,
    )


def submission_fail(*, submission_id: uuid.UUID | str, token: uuid.UUID, reason: str) -> bool:
    """Finish a claimed submission with ``system_error`` (an infrastructure failure)."""
    return _finish(submission_id, token, status=Status.ERROR, verdict=Verdict.SYSTEM_ERROR, score=0.0, message=reason)


def submission_release(*, submission_id: uuid.UUID | str, token: uuid.UUID) -> bool:
    """Hand a claimed submission back to the queue (the grader could not run it this time)."""
    released = Submission.objects.filter(pk=submission_id, claim_token=token, status=Status.RUNNING).update(
        status=Status.QUEUED, claim_token=None, updated_at=timezone.now()
    )
    if released == 1:
        events.submission_changed(submission_id)
    return released == 1


def _finish(submission_id, token: uuid.UUID, **values) -> bool:
    # The result and the webhook messages about it are committed together, or neither is.
    with transaction.atomic():
        written = Submission.objects.filter(pk=submission_id, claim_token=token, status=Status.RUNNING).update(
            finished_at=timezone.now(), updated_at=timezone.now(), **values
        )
        if written == 1:
            submission_finished(submission_id=submission_id)
    return written == 1


# What the followers of a final result read from it: one row, without the code or the exercise's checks.
_FINISHED_FIELDS = (
    "user_id", "exercise__slug", "examples_only", "status", "verdict", "score", "message", "results",
    "created_at", "finished_at",
)  # fmt: skip


def submission_finished(*, submission_id: uuid.UUID | str) -> None:
    """Tell those who follow results that a submission's result is final, or was replaced: the API
    client's webhooks and, for graded work, the LMS the learner came from (grade passback).

    Call it in the transaction that writes the result.
    """
    submission = Submission.objects.select_related("exercise").only(*_FINISHED_FIELDS).get(pk=submission_id)
    submission_finished_emit(submission=submission)
    events.submission_changed(submission_id)
    hints_unlock(submission=submission)
    if not submission.examples_only:
        passback.work_changed(learner_id=submission.user_id, exercise_id=submission.exercise_id)


def hints_unlock(*, submission: Submission) -> None:
    """Unlock, for the submission's learner, the hint of every check its final result failed (kept when a later
    result passes it: a hint once read stays readable)."""
    failed = {result.get("name") for result in submission.results or [] if not result.get("passed")}
    HintUnlock.objects.bulk_create(
        [
            HintUnlock(user_id=submission.user_id, exercise_id=submission.exercise_id, check_name=name)
            for name in failed
            if isinstance(name, str)
        ],
        ignore_conflicts=True,
    )


def submission_create_idempotent(
    *, user, exercise: Exercise, code: str, examples_only: bool = False, key: str
) -> tuple[Submission, bool]:
    """Like :func:`submission_create`, but a retry with the same ``key`` and request returns the first
    submission instead of grading again; returns ``(submission, replayed)`` (see
    :func:`quizsite.learning.idempotency.idempotent_create`)."""
    return idempotent_create(
        user=user,
        key=key,
        resource=IdempotencyKey.Resource.SUBMISSION,
        request=f"{exercise.pk}\0{examples_only}\0{code}",
        create=lambda: submission_create(user=user, exercise=exercise, code=code, examples_only=examples_only),
        find=lambda pk: Submission.objects.filter(pk=pk).first(),
    )


class RegradeRefused(Exception):
    """The submission is still being graded."""


def submission_regrade(*, submission_id: uuid.UUID | str, reason: str = "", by=None) -> Submission:
    """Grade a final submission again, against the exercise's current checks.

    The result it replaces is kept as a :class:`GradingRecord` with ``reason`` (and ``by``, the staff member),
    and the learner sees that it was regraded and why. Only final submissions can be regraded; raises
    :class:`RegradeRefused` otherwise.
    """
    with transaction.atomic():
        # Locked, so the result kept is exactly the one the reset replaces: a concurrent regrade waits here,
        # then finds the submission queued and is refused.
        current = Submission.objects.select_for_update().filter(pk=submission_id, status__in=Submission.FINAL_STATUSES)
        submission = current.first()
        if submission is None:
            raise RegradeRefused("Only a graded submission can be regraded; this one is still queued or running.")
        now = timezone.now()
        grading_record_keep(submission=submission, reason=reason, replaced_at=now, by=by)
        current.update(
            status=Status.QUEUED,
            verdict=None,
            score=None,
            results=[],
            message="",
            output="",
            attempts=0,
            claim_token=None,
            started_at=None,
            finished_at=None,
            queued_at=now,
            sent_at=now,
            updated_at=now,
            regraded_at=now,
            regraded_reason=reason,
        )
        _enqueue_on_commit(submission.pk)
        if not submission.examples_only:
            passback.work_changed(learner_id=submission.user_id, exercise_id=submission.exercise_id)
    return Submission.objects.get(pk=submission_id)


def grading_record_keep(*, submission: Submission, reason: str, replaced_at, by=None, regrade=None) -> GradingRecord:
    """Keep ``submission``'s current result (as loaded) as history, before the caller replaces it.

    Call it in the transaction that replaces the result, with the submission row locked.
    """
    return GradingRecord.objects.create(
        submission=submission,
        status=submission.status,
        verdict=submission.verdict,
        score=submission.score,
        results=submission.results,
        message=submission.message,
        exercise_version=submission.exercise_version,
        case_seed=submission.case_seed,
        graded_at=submission.finished_at,
        replaced_at=replaced_at,
        reason=reason,
        replaced_by=by,
        regrade=regrade,
    )


def submissions_requeue_stuck(*, queued_for: timedelta, running_for: timedelta) -> dict[str, int]:
    """Recover submissions a lost message or a dead worker left behind; return counts per outcome.

    - ``queued`` and untouched for ``queued_for``: the broker lost the message (e.g. Redis restarted
      empty); enqueue again. A duplicate delivery is harmless: claiming is idempotent.
    - ``running`` for ``running_for`` (longer than any grading may take): its worker died; hand it back
      to the queue while attempts remain, else finish it with ``system_error``.
    """
    now = timezone.now()
    cutoff = now - queued_for
    lost = Q(sent_at__lt=cutoff) | Q(sent_at__isnull=True, queued_at__lt=cutoff)
    queued = list(Submission.objects.filter(lost, status=Status.QUEUED).values_list("pk", flat=True))
    for submission_id in queued:
        # Only the sending time changes: its place in the queue and what API clients see stay as they were.
        Submission.objects.filter(pk=submission_id, status=Status.QUEUED).update(sent_at=now)
        _enqueue_on_commit(submission_id)
    stale = Submission.objects.filter(status=Status.RUNNING, started_at__lt=now - running_for)
    requeued = given_up = 0
    for submission_id in list(stale.values_list("pk", flat=True)):
        if submission_give_up_if_exhausted(submission_id=submission_id):
            given_up += 1
            continue
        # Conditional: a worker that finishes meanwhile keeps its result.
        requeue = {"status": Status.QUEUED, "claim_token": None, "queued_at": now, "sent_at": now, "updated_at": now}
        if stale.filter(pk=submission_id).update(**requeue) == 1:
            _enqueue_on_commit(submission_id)
            requeued += 1
    return {"requeued_queued": len(queued), "requeued_running": requeued, "given_up": given_up}
