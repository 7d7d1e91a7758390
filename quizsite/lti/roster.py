"""Roster sync (NRPS): the platform's members of a course's context become its enrolments."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from lti_tool.models import LtiUser

from quizsite.courses.services import enrolment_set
from quizsite.lti import platform
from quizsite.lti.models import CourseContext
from quizsite.lti.services import course_role, lti_user_account

log = logging.getLogger(__name__)


def roster_sync(*, course_context: CourseContext) -> int:
    """Fetch the context's members and enrol each active one with their role (accounts are created for
    people who have not launched yet); returns how many are enrolled.

    Members the platform marks inactive keep their work but are not enrolled anew. Raises
    :class:`~quizsite.lti.platform.PlatformError` if the platform cannot be read (recorded on the row).
    """
    context = course_context.context
    try:
        members = platform.members(context)
    except platform.PlatformError as error:
        CourseContext.objects.filter(pk=course_context.pk).update(roster_error=str(error)[:500])
        raise
    enrolled = 0
    with transaction.atomic():
        context.update_memberships(members)  # django-lti's own record of who is in the context
        for member in members:
            role = course_role(member.get("roles", []))
            if role is None or member.get("status", "Active") != "Active":
                continue
            lti_user = LtiUser.objects.get(registration=context.deployment.registration, sub=member["user_id"])
            enrolment_set(course=course_context.course, user=lti_user_account(lti_user), role=role)
            enrolled += 1
        CourseContext.objects.filter(pk=course_context.pk).update(roster_synced_at=timezone.now(), roster_error="")
    log.info("roster of %s synced: %d members enrolled", course_context.course, enrolled)
    return enrolled


def rosters_sync_all() -> dict[str, int]:
    """Sync every course that has a roster service (the nightly run); returns counts per outcome."""
    counts = {"synced": 0, "failed": 0}
    for course_context in CourseContext.objects.exclude(context__memberships_url="").select_related(
        "course", "context"
    ):
        try:
            roster_sync(course_context=course_context)
            counts["synced"] += 1
        except platform.PlatformError as error:
            log.warning("roster of %s not synced: %s", course_context.course, error)
            counts["failed"] += 1
    return counts
