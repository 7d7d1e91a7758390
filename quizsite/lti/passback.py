"""Grade passback (AGS): marks reach the platform through :class:`ScorePassback` rows, sent by a task.

Whatever changes a learner's mark (a submission queued or graded, a quiz submitted, a regrade, an override,
an extension) calls :func:`work_changed` or :func:`assignment_changed` in its transaction; the send reads the
mark as it is then, so the platform always gets the current one, and a platform that is down delays it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.utils import timezone
from lti_tool.models import LtiLineItem, LtiUser

from quizsite.courses.models import Assignment, Enrolment
from quizsite.courses.selectors import learner_mark
from quizsite.learning.models import Submission
from quizsite.lti import platform
from quizsite.lti.models import LinkedAssignment, ScorePassback
from quizsite.lti.services import assignment_tag

log = logging.getLogger(__name__)
Status = ScorePassback.Status
# A send holds its row this long; past it, a send that died is taken over.
_LEASE = timedelta(seconds=120)
# A retry this close is sent by a delayed task; a later one by the periodic sweep (as for webhooks: a long
# countdown would sit in a worker's memory and outlive the broker's visibility timeout).
_COUNTDOWN_MAX = timedelta(seconds=300)
# Timestamps only move forward, even when the clock does not.
_TICK = timedelta(milliseconds=1)


def work_changed(*, learner_id: int, exercise_id=None, quiz_id=None) -> int:
    """Queue ``learner_id``'s marks for the linked assignments of an exercise or quiz; returns how many.

    Call it in the transaction that changes their work: the sends are enqueued when it commits.
    """
    item = {"assignment__exercise_id": exercise_id} if exercise_id else {"assignment__quiz_id": quiz_id}
    courses = Enrolment.objects.filter(user_id=learner_id, role=Enrolment.Role.LEARNER).values("course_id")
    # Every submission asks, twice, and most learners' work is linked to nothing: first the links alone, three
    # tables to plan. The rows a send needs join eight, which PostgreSQL takes about 0.6 ms to plan.
    linked = LinkedAssignment.objects.filter(line_item__isnull=False, assignment__course_id__in=courses, **item)
    ids = list(linked.values_list("pk", flat=True))
    if not ids:
        return 0
    links = LinkedAssignment.objects.filter(pk__in=ids).select_related(
        "line_item__context__deployment", "resource_link", "assignment"
    )
    return sum(_queue(link, learner_id) for link in links)


def assignment_changed(*, assignment: Assignment, learner_id: int | None = None) -> int:
    """Queue the marks of one learner (or all) on ``assignment``: its terms, an extension or an override
    changed, or an instructor asked to resend its grades. Returns how many."""
    links = LinkedAssignment.objects.filter(assignment=assignment, line_item__isnull=False).select_related(
        "line_item__context__deployment", "resource_link", "assignment"
    )
    learners = Enrolment.objects.filter(course_id=assignment.course_id, role=Enrolment.Role.LEARNER)
    if learner_id is not None:
        learners = learners.filter(user_id=learner_id)
    learner_ids = list(learners.values_list("user_id", flat=True))
    return sum(_queue(link, learner) for link in links for learner in learner_ids)


def _queue(link: LinkedAssignment, learner_id: int) -> bool:
    if link.line_item.context_id != link.resource_link.context_id:
        return False  # never send a course's marks to a line item outside it
    registration_id = link.line_item.context.deployment.registration_id
    lti_user = LtiUser.objects.filter(auth_user_id=learner_id, registration_id=registration_id).first()
    if lti_user is None:
        return False  # a learner this platform has never launched: it has nowhere to put the mark
    row, created = ScorePassback.objects.get_or_create(
        line_item=link.line_item,
        learner_id=learner_id,
        defaults={"assignment": link.assignment, "lti_user": lti_user, "next_attempt_at": timezone.now()},
    )
    if not created:
        ScorePassback.objects.filter(pk=row.pk).update(
            version=F("version") + 1, status=Status.PENDING, next_attempt_at=timezone.now()
        )
    _send_on_commit(row.pk)
    return True


def _send_on_commit(passback_id: int, countdown: float = 0) -> None:
    from quizsite.lti.tasks import send_score

    # Robust: with the broker down the row stays pending and the periodic sweep sends it.
    transaction.on_commit(lambda: send_score.apply_async((passback_id,), countdown=countdown), robust=True)


def retry_delay(failures: int) -> timedelta:
    """How long to wait after the ``failures``-th failed send in a row (the last delay repeats: a mark is
    retried until the platform takes it)."""
    delays = settings.LTI_PASSBACK_RETRY_DELAYS
    return timedelta(seconds=delays[min(failures, len(delays)) - 1])


def score_send(*, passback_id: int) -> str:
    """Send the learner's current mark for the row's line item; returns sent, failed or skipped.

    Skipped when the row is up to date or another send holds it. A failure is recorded on the row and
    retried with backoff; nothing here raises for the platform's sake.
    """
    now = timezone.now()
    lease = uuid.uuid4()
    # One sender at a time, so two scores for the same learner are never in flight together.
    claimed = (
        ScorePassback.objects.filter(pk=passback_id, version__gt=F("sent_version"))
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_token=lease, lease_until=now + _LEASE)
    )
    if claimed != 1:
        return "skipped"
    row = ScorePassback.objects.select_related(
        "assignment", "learner", "lti_user", "line_item__context__deployment__registration"
    ).get(pk=passback_id)
    score = score_for(row, now=now)
    if "scoreGiven" not in score and score["gradingProgress"] == "NotReady" and row.sent_timestamp is None:
        # Nothing to report and nothing reported before (a resend, a line item made late): no post.
        _settle(row, lease, now)
        return "skipped"
    try:
        platform.post_score(row.line_item, score)
    except platform.PlatformError as error:
        return _record_failure(row, lease, error, now)
    _settle(
        row,
        lease,
        now,
        attempts=0,
        last_error="",
        sent_at=now,
        sent_timestamp=datetime.fromisoformat(score["timestamp"]),
        score_given=score.get("scoreGiven"),
        score_maximum=score.get("scoreMaximum"),
        grading_progress=score["gradingProgress"],
    )
    return "sent"


def _settle(row: ScorePassback, lease: uuid.UUID, now: datetime, **sent) -> None:
    # Up to date unless the work changed during the send: then the row stays pending and due, and is sent again.
    unchanged = When(version=row.version, then=Value(Status.SENT))
    ScorePassback.objects.filter(pk=row.pk, lease_token=lease).update(
        sent_version=row.version,
        status=Case(unchanged, default=Value(Status.PENDING)),
        next_attempt_at=Case(When(version=row.version, then=None), default=Value(now), output_field=DateTimeField()),
        lease_token=None,
        lease_until=None,
        **sent,
    )
    if ScorePassback.objects.filter(pk=row.pk, version__gt=F("sent_version")).exists():
        _send_on_commit(row.pk)


def _record_failure(row: ScorePassback, lease: uuid.UUID, error: platform.PlatformError, now: datetime) -> str:
    delay = retry_delay(row.attempts + 1)
    ScorePassback.objects.filter(pk=row.pk, lease_token=lease).update(
        status=Status.FAILING,
        attempts=F("attempts") + 1,
        last_error=str(error)[:500],
        next_attempt_at=now + delay,
        lease_token=None,
        lease_until=None,
    )
    log.warning("score for %s not sent (retry in %ss): %s", row, delay.total_seconds(), error)
    if delay <= _COUNTDOWN_MAX:
        _send_on_commit(row.pk, countdown=delay.total_seconds())
    return "failed"


def score_for(row: ScorePassback, *, now: datetime) -> dict:
    """The AGS score for the row's learner as things are now (pending while a submission is graded)."""
    assignment = row.assignment
    mark = learner_mark(assignment, row.learner)
    grading = (
        bool(assignment.exercise_id)
        and Submission.objects.filter(
            user=row.learner,
            exercise_id=assignment.exercise_id,
            examples_only=False,
            status__in=[Submission.Status.QUEUED, Submission.Status.RUNNING],
        ).exists()
    )
    stamp = now if row.sent_timestamp is None else max(now, row.sent_timestamp + _TICK)
    score = {
        "userId": row.lti_user.sub,
        "timestamp": stamp.astimezone(UTC).isoformat(timespec="milliseconds"),
        "activityProgress": "Submitted" if grading else ("Completed" if mark.score is not None else "Initialized"),
        "gradingProgress": "Pending" if grading else ("FullyGraded" if mark.score is not None else "NotReady"),
    }
    if mark.score is not None:
        # A mark is a fraction of the points; clamped, so no stored score can claim more than the maximum.
        score["scoreGiven"] = round(min(max(mark.score, 0.0), 1.0) * assignment.points, 4)
        score["scoreMaximum"] = assignment.points
    return score


def passbacks_due_send() -> int:
    """Enqueue every row that is due (pending, or failing and past its retry time); returns how many.

    The periodic safety net: a send lost with the broker or a worker is picked up here.
    """
    now = timezone.now()
    due = ScorePassback.objects.filter(version__gt=F("sent_version"), next_attempt_at__lte=now).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )
    ids = list(due.values_list("pk", flat=True)[:1000])
    for passback_id in ids:
        _send_on_commit(passback_id)
    return len(ids)


def line_item_ensure(*, link_id: int) -> bool:
    """Give a linked assignment a line item on the platform when its launches named none (a link added by
    hand rather than by deep linking): the platform's own for the resource link, else a new one. Then
    queue the marks its learners already have. Returns whether a line item was attached.

    Raises :class:`~quizsite.lti.platform.PlatformError` if the platform cannot be reached (the task retries).
    """
    link = LinkedAssignment.objects.select_related("assignment", "resource_link__context__deployment").get(pk=link_id)
    context = link.resource_link.context
    if link.line_item_id is not None or not (context.lineitems_url and context.can_manage_lineitems):
        return False
    assignment = link.assignment
    found = platform.line_item_for(
        context,
        resource_link_id=link.resource_link.id_on_platform,
        label=assignment.display_title,
        score_maximum=assignment.points,
        tag=assignment_tag(assignment),
        resource_id=str(assignment.pk),
    )
    with transaction.atomic():
        line_item, _ = LtiLineItem.objects.get_or_create(
            url=found["id"],
            defaults={
                "context": context,
                "maximum_score": found.get("scoreMaximum", assignment.points),
                "label": found.get("label", assignment.display_title)[:255],
                "tag": found.get("tag", "")[:255],
                "resource_id": str(assignment.pk),
                "resource_link": link.resource_link,
            },
        )
        attached = LinkedAssignment.objects.filter(pk=link.pk, line_item=None).update(line_item=line_item) == 1
        if attached:
            assignment_changed(assignment=assignment)
    return attached
