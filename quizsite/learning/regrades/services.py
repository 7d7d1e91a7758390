"""Writes for regrades: start a preview, record its gradings, apply or cancel it.

A preview grades each chosen final submission again, on the workers, against the exercise's current checks,
and keeps the outcome on a :class:`RegradeItem`: the submission is not touched. Applying replaces every
previewed result at once, keeping each replaced one as a :class:`GradingRecord`. A preview's grading is
claimed like a submission's (one conditional UPDATE and a claim token), so a redelivered task never writes
over another grading of the same item.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from quizsite.catalog.models import Exercise
from quizsite.courses.selectors import learners_taught_by
from quizsite.learning.models import Regrade, RegradeItem, Submission
from quizsite.learning.regrades.selectors import submissions_regradable_by
from quizsite.learning.services import grading_record_keep, submission_finished

log = logging.getLogger(__name__)
ItemStatus = RegradeItem.Status
# As much of the learner's output as a submission keeps.
_OUTPUT_KEPT_CHARS = 16 * 1024


class RegradeError(ValueError):
    """The regrade cannot be started, applied or cancelled; the message says why, for staff."""


class RegradeForbidden(RegradeError):
    """The user may not regrade some of the submissions concerned."""


def regrade_preview_start(
    *, exercise: Exercise, requested_by, reason: str, submission_ids: Iterable[uuid.UUID | str] | None = None
) -> Regrade:
    """Start a preview: grade the final submissions of ``exercise`` (or only ``submission_ids``) again against
    its current checks, on the workers, keeping each outcome on the regrade's items only.

    ``requested_by`` may regrade only the submissions of learners in the courses they teach (a superuser: any);
    with no ``submission_ids`` that means all of those. Raises :class:`RegradeError` if ``reason`` is blank
    (learners see it), if there is nothing to regrade, or (:class:`RegradeForbidden`) if a given id is not a
    final graded submission of ``exercise`` that ``requested_by`` may regrade.
    """
    reason = reason.strip()
    if not reason:
        raise RegradeError("Give a reason: learners whose result is replaced will see it.")
    submissions = submissions_regradable_by(requested_by).filter(exercise=exercise)
    if submission_ids is not None:
        wanted = _uuids(submission_ids)
        submissions = submissions.filter(pk__in=wanted)
        outside = len(wanted) - submissions.count()
        if outside:
            raise RegradeForbidden(
                f"{outside} of the {len(wanted)} selected submissions are not final graded submissions of "
                f"{exercise.slug} that you may regrade."
            )
    with transaction.atomic():
        version = Exercise.objects.values_list("content_hash", flat=True).get(pk=exercise.pk)
        current = list(submissions.order_by("pk"))
        if not current:
            raise RegradeError(f"There are no final graded submissions of {exercise.slug} to regrade.")
        regrade = Regrade.objects.create(
            exercise=exercise,
            requested_by=requested_by,
            reason=reason,
            exercise_version=version,
            scope=Regrade.Scope.ALL if submission_ids is None else Regrade.Scope.SELECTED,
        )
        items = RegradeItem.objects.bulk_create(
            RegradeItem(
                regrade=regrade,
                submission=submission,
                old_status=submission.status,
                old_verdict=submission.verdict,
                old_score=submission.score,
                old_exercise_version=submission.exercise_version,
                old_finished_at=submission.finished_at,
            )
            for submission in current
        )
        for item in items:
            _enqueue_on_commit(item.pk)
    log.info("regrade %s of %s: previewing %d submissions", regrade.pk, exercise.slug, len(items))
    return regrade


def _uuids(values: Iterable[uuid.UUID | str]) -> set[uuid.UUID]:
    try:
        wanted = {value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)) for value in values}
    except ValueError:
        raise RegradeError("A selected submission id is not a valid id.") from None
    if not wanted:
        raise RegradeError("Select at least one submission.")
    return wanted


def _enqueue_on_commit(item_id: int) -> None:
    from grader.tasks import preview_regrade_item

    # As for submissions: after commit, so the worker finds the row; robust, so a broker outage leaves the
    # item pending for the sweeper rather than failing the request.
    transaction.on_commit(lambda: preview_regrade_item.delay(item_id), robust=True)


def regrade_item_claim(
    *, item_id: int, resume_token: uuid.UUID | str | None = None
) -> tuple[RegradeItem, uuid.UUID] | None:
    """Claim an item's preview grading; return it (with its submission and exercise) and a new claim token, or
    ``None`` if it is not ours to grade: already graded, its regrade no longer previewing, or being graded.

    The rules are ``submission_claim``'s: ``running`` is claimable again only after
    ``SWEEP_RUNNING_AFTER_SECONDS`` (its worker died) or under ``resume_token``, the caller's own claim.
    """
    regrade_status = RegradeItem.objects.filter(pk=item_id).values_list("regrade__status", flat=True).first()
    if regrade_status != Regrade.Status.PREVIEWING:
        return None
    now = timezone.now()
    claimable = Q(status=ItemStatus.PENDING) | Q(
        status=ItemStatus.RUNNING, started_at__lt=now - timedelta(seconds=settings.SWEEP_RUNNING_AFTER_SECONDS)
    )
    if resume_token is not None:
        claimable |= Q(status=ItemStatus.RUNNING, claim_token=resume_token)
    token = uuid.uuid4()
    # One conditional UPDATE on the item's own row (no join, so PostgreSQL rechecks the condition on the row
    # it locks): of two deliveries of the same message, only one grades.
    won = RegradeItem.objects.filter(claimable, pk=item_id, attempts__lt=settings.GRADING_MAX_ATTEMPTS).update(
        status=ItemStatus.RUNNING, attempts=F("attempts") + 1, claim_token=token, started_at=now
    )
    if won != 1:
        return None
    return RegradeItem.objects.select_related("submission__exercise").get(pk=item_id), token


def regrade_item_record(*, item_id: int, token: uuid.UUID, report, exercise_version: str) -> bool:
    """Keep a preview grading's report (``grader.runner.Report``) and the exercise version it was graded
    against on the item; only the current claim may write. The submission is not touched."""
    return _finish_item(
        item_id,
        token,
        status=ItemStatus.DONE,
        new_verdict=report.verdict,
        new_score=report.score,
        new_results=report.results_as_dicts(),
        new_message=report.message,
        new_output=report.output[:_OUTPUT_KEPT_CHARS],
        new_case_seed=report.seed,
        new_grading_ms=report.grading_ms,
        new_exercise_version=exercise_version,
        error="",
    )


def regrade_item_fail(*, item_id: int, token: uuid.UUID, error: str) -> bool:
    """End a claimed item's preview as failed (the grader could not grade it); staff may retry it."""
    return _finish_item(item_id, token, status=ItemStatus.FAILED, error=error)


def regrade_item_release(*, item_id: int, token: uuid.UUID) -> bool:
    """Hand a claimed item back (the grader could not run it this time)."""
    released = RegradeItem.objects.filter(pk=item_id, claim_token=token, status=ItemStatus.RUNNING).update(
        status=ItemStatus.PENDING, claim_token=None, sent_at=timezone.now()
    )
    return released == 1


def regrade_item_give_up_if_exhausted(*, item_id: int) -> bool:
    """Fail an item whose grading was started too often without finishing; returns whether it did."""
    failed = RegradeItem.objects.filter(
        pk=item_id, status__in=[ItemStatus.PENDING, ItemStatus.RUNNING], attempts__gte=settings.GRADING_MAX_ATTEMPTS
    ).update(status=ItemStatus.FAILED, error=f"Grading was interrupted {settings.GRADING_MAX_ATTEMPTS} times.")
    if failed:
        _mark_previewed_if_complete(item_id)
    return failed == 1


def _finish_item(item_id: int, token: uuid.UUID, **values) -> bool:
    written = RegradeItem.objects.filter(pk=item_id, claim_token=token, status=ItemStatus.RUNNING).update(
        graded_at=timezone.now(), **values
    )
    if written:
        _mark_previewed_if_complete(item_id)
    return written == 1


def _mark_previewed_if_complete(item_id: int) -> None:
    # Called after the item's own write has committed (tasks run in autocommit): of two last items finishing
    # together, the later one to commit sees the other finished, so the regrade never stays "previewing".
    regrade_id = RegradeItem.objects.values_list("regrade_id", flat=True).get(pk=item_id)
    unfinished = RegradeItem.objects.filter(regrade_id=regrade_id, status__in=[ItemStatus.PENDING, ItemStatus.RUNNING])
    if not unfinished.exists():
        Regrade.objects.filter(pk=regrade_id, status=Regrade.Status.PREVIEWING).update(status=Regrade.Status.READY)


def regrade_items_requeue_stuck(*, queued_for: timedelta, running_for: timedelta) -> dict[str, int]:
    """Recover preview gradings a lost message or a dead worker left behind (as ``submissions_requeue_stuck``
    does for submissions); return counts per outcome."""
    now = timezone.now()
    lost = RegradeItem.objects.filter(
        status=ItemStatus.PENDING, sent_at__lt=now - queued_for, regrade__status=Regrade.Status.PREVIEWING
    )
    queued = list(lost.values_list("pk", flat=True))
    for item_id in queued:
        RegradeItem.objects.filter(pk=item_id, status=ItemStatus.PENDING).update(sent_at=now)
        _enqueue_on_commit(item_id)
    stale = RegradeItem.objects.filter(status=ItemStatus.RUNNING, started_at__lt=now - running_for)
    requeued = given_up = 0
    for item_id in list(stale.values_list("pk", flat=True)):
        if regrade_item_give_up_if_exhausted(item_id=item_id):
            given_up += 1
        elif stale.filter(pk=item_id).update(status=ItemStatus.PENDING, claim_token=None, sent_at=now) == 1:
            _enqueue_on_commit(item_id)
            requeued += 1
    return {"regrade_requeued_pending": len(queued), "regrade_requeued_running": requeued, "regrade_given_up": given_up}


def regrade_retry_failed(*, regrade_id: uuid.UUID | str, by) -> int:
    """Grade a preview's failed items again; returns how many. Raises :class:`RegradeError` if the regrade was
    applied or cancelled, :class:`RegradeForbidden` if ``by`` may not regrade all of it."""
    with transaction.atomic():
        regrade = _locked(regrade_id)
        _check_open(regrade, by)
        failed = list(regrade.items.filter(status=ItemStatus.FAILED).values_list("pk", flat=True))
        RegradeItem.objects.filter(pk__in=failed, status=ItemStatus.FAILED).update(
            status=ItemStatus.PENDING, attempts=0, claim_token=None, error="", sent_at=timezone.now()
        )
        if failed:
            Regrade.objects.filter(pk=regrade.pk).update(status=Regrade.Status.PREVIEWING)
        for item_id in failed:
            _enqueue_on_commit(item_id)
    return len(failed)


def regrade_cancel(*, regrade_id: uuid.UUID | str, by) -> Regrade:
    """Cancel a regrade that was not applied: gradings not started are not run, and nothing is applied.

    Cancelling a cancelled regrade changes nothing. Raises :class:`RegradeError` for an applied one,
    :class:`RegradeForbidden` if ``by`` may not regrade all of it.
    """
    with transaction.atomic():
        regrade = _locked(regrade_id)
        if regrade.status == Regrade.Status.CANCELLED:
            return regrade
        _check_open(regrade, by)
        Regrade.objects.filter(pk=regrade.pk).update(status=Regrade.Status.CANCELLED, cancelled_at=timezone.now())
    regrade.refresh_from_db()
    return regrade


def regrade_apply(*, regrade_id: uuid.UUID | str, by) -> Regrade:
    """Replace each previewed submission's result with its preview's, in one transaction.

    Every replaced result is kept as a :class:`GradingRecord`; the new one records the exercise version it was
    graded against, and the learner sees it was regraded and why. A submission whose result changed after the
    preview started (regraded, or being graded again) is left alone and counted in ``skipped_count``.
    Idempotent: applying an applied regrade returns it unchanged.

    Raises :class:`RegradeError` if the regrade was cancelled, if an item is not previewed (still grading, or
    failed: retry it), or if the exercise's checks changed since the preview started (its content hash is not
    the one previewed); :class:`RegradeForbidden` if ``by`` may not regrade every submission in it.
    """
    with transaction.atomic():
        regrade = _locked(regrade_id)
        if regrade.status == Regrade.Status.APPLIED:
            return regrade
        _check_open(regrade, by)
        items = list(regrade.items.order_by("submission_id"))
        unfinished = sum(item.status != ItemStatus.DONE for item in items)
        if unfinished:
            raise RegradeError(
                f"{unfinished} of {len(items)} submissions are not previewed (still grading, or failed: retry them)."
            )
        # Locked until commit, so the content sync cannot change the exercise between this check and the writes.
        exercise = Exercise.objects.select_for_update().filter(pk=regrade.exercise_id)
        current = exercise.values_list("content_hash", flat=True).get()
        if current != regrade.exercise_version or any(i.new_exercise_version != current for i in items):
            raise RegradeError(
                "The exercise's checks changed since this preview started: cancel it and start a new preview."
            )
        now = timezone.now()
        applied = sum(_apply_item(item, regrade, by, now) for item in items)
        Regrade.objects.filter(pk=regrade.pk).update(
            status=Regrade.Status.APPLIED,
            applied_at=now,
            applied_by=by,
            applied_count=applied,
            skipped_count=len(items) - applied,
        )
    log.info("regrade %s applied: %d replaced, %d skipped", regrade.pk, applied, len(items) - applied)
    regrade.refresh_from_db()
    return regrade


def _locked(regrade_id) -> Regrade:
    # Apply, cancel and retry of one regrade wait for each other: a second apply finds it applied.
    return Regrade.objects.select_for_update().get(pk=regrade_id)


def _check_open(regrade: Regrade, by) -> None:
    if regrade.status not in Regrade.OPEN_STATUSES:
        raise RegradeError(f"This regrade was {regrade.status}; start a new preview.")
    if by.is_superuser:
        return
    submissions = Submission.objects.filter(regrade_items__regrade=regrade)
    if submissions.exclude(user__in=learners_taught_by(by)).exists():
        raise RegradeForbidden("This regrade includes submissions of learners you do not teach.")


def _apply_item(item: RegradeItem, regrade: Regrade, by, now) -> bool:
    # Still the result the preview started from? Locked, so nothing replaces it between this read and the write.
    unchanged = Submission.objects.select_for_update().filter(
        pk=item.submission_id, status=item.old_status, finished_at=item.old_finished_at
    )
    submission = unchanged.first()
    if submission is None:
        RegradeItem.objects.filter(pk=item.pk).update(status=ItemStatus.SKIPPED)
        return False
    grading_record_keep(submission=submission, reason=regrade.reason, replaced_at=now, by=by, regrade=regrade)
    unchanged.update(
        status=Submission.Status.DONE,
        verdict=item.new_verdict,
        score=item.new_score,
        results=item.new_results,
        message=item.new_message,
        output=item.new_output,
        case_seed=item.new_case_seed,
        grading_ms=item.new_grading_ms,
        exercise_version=item.new_exercise_version,
        finished_at=item.graded_at,
        regraded_at=now,
        regraded_reason=regrade.reason,
        updated_at=now,
    )
    RegradeItem.objects.filter(pk=item.pk).update(status=ItemStatus.APPLIED)
    # An LMS hears of a changed mark as of any grading; an unchanged one is not news.
    if (submission.verdict, submission.score) != (item.new_verdict, item.new_score):
        submission_finished(submission_id=submission.pk)
    return True
