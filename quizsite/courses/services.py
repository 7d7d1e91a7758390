"""Writes for courses: enrolment, extensions and score overrides. Marks themselves are never written."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from quizsite.courses.models import Assignment, Course, Enrolment, Extension, ScoreOverride
from quizsite.lti import passback


def enrolment_set(*, course: Course, user, role: str = Enrolment.Role.LEARNER) -> Enrolment:
    """Enrol ``user`` in ``course`` with ``role``, or change the role of an existing enrolment.

    Raises ``ValueError`` for an unknown role.
    """
    _check_role(role)
    enrolment, _ = Enrolment.objects.update_or_create(course=course, user=user, defaults={"role": role})
    return enrolment


def enrolment_add(*, course: Course, user, role: str = Enrolment.Role.LEARNER) -> Enrolment:
    """Enrol ``user`` in ``course`` with ``role``; an enrolment already there with that role is returned as is.

    Unlike ``enrolment_set`` this never changes a role (a file of names must not demote an instructor): raises
    ``ValueError`` for an unknown role, or if ``user`` is already enrolled with another one.
    """
    _check_role(role)
    # get_or_create leans on the one-enrolment-per-course constraint, so two imports racing cannot enrol twice.
    enrolment, _ = Enrolment.objects.get_or_create(course=course, user=user, defaults={"role": role})
    if enrolment.role != role:
        current = Enrolment.Role(enrolment.role).label
        raise ValueError(f"{user} is already enrolled as {current}; roles are changed on the course page")
    return enrolment


def _check_role(role: str) -> None:
    if role not in Enrolment.Role.values:
        raise ValueError(f"{role!r} is not a role: use {', '.join(Enrolment.Role.values)}")


@transaction.atomic
def extension_grant(
    *, assignment: Assignment, learner, due_at: datetime, cutoff_at: datetime | None = None, reason: str, granted_by
) -> Extension:
    """Give ``learner`` a new due date (and optionally cut-off) on ``assignment``, replacing any earlier one.

    Raises ``ValueError`` if the learner is not enrolled in the course or the cut-off precedes the due date.
    """
    if not Enrolment.objects.filter(course=assignment.course, user=learner, role=Enrolment.Role.LEARNER).exists():
        raise ValueError(f"{learner} is not a learner of {assignment.course.code}")
    if cutoff_at is not None and cutoff_at < due_at:
        raise ValueError("the cut-off cannot be before the due date")
    extension, _ = Extension.objects.update_or_create(
        assignment=assignment,
        learner=learner,
        defaults={"due_at": due_at, "cutoff_at": cutoff_at, "reason": reason, "granted_by": granted_by},
    )
    passback.assignment_changed(assignment=assignment, learner_id=learner.pk)
    return extension


def score_override_add(*, assignment: Assignment, learner, score: float | None, reason: str, by) -> ScoreOverride:
    """Record a mark set by hand (``score`` a fraction 0 to 1), or withdraw one (``score=None``).

    Earlier overrides stay as history. Raises ``ValueError`` for a score outside 0..1 or an empty reason.
    """
    if score is not None and not 0 <= score <= 1:
        raise ValueError("an override is a fraction of the points, from 0 to 1")
    if not reason.strip():
        raise ValueError("say why the mark is overridden")
    with transaction.atomic():
        override = ScoreOverride.objects.create(
            assignment=assignment, learner=learner, score=score, reason=reason, created_by=by
        )
        passback.assignment_changed(assignment=assignment, learner_id=learner.pk)
    return override
