"""Celery glue for LTI: ids in, a service call, nothing else. Routed to the outbound (webhooks) queue."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from quizsite.lti import passback, roster
from quizsite.lti.keys import keys_rotate, signing_kid
from quizsite.lti.models import CourseContext
from quizsite.lti.platform import PlatformError
from quizsite.lti.storage import launch_states_prune


@shared_task(ignore_result=True)
def send_score(passback_id: int) -> str:
    """Send one learner's mark to the platform (failures are recorded and rescheduled by the service)."""
    return passback.score_send(passback_id=passback_id)


@shared_task(ignore_result=True, autoretry_for=(PlatformError,), retry_backoff=30, max_retries=8)
def ensure_line_item(link_id: int) -> bool:
    """Find or create the platform's line item for a linked assignment whose launches named none."""
    return passback.line_item_ensure(link_id=link_id)


@shared_task(ignore_result=True)
def send_due_scores() -> int:
    """Periodic: enqueue every score that is due (the safety net for lost sends)."""
    return passback.passbacks_due_send()


@shared_task(ignore_result=True)
def sync_roster(course_context_id: int) -> int:
    """Sync one course's roster from its platform (on demand)."""
    return roster.roster_sync(
        course_context=CourseContext.objects.select_related("context", "course").get(pk=course_context_id)
    )


@shared_task(ignore_result=True)
def sync_all_rosters() -> dict[str, int]:
    """Nightly: sync every course's roster."""
    return roster.rosters_sync_all()


@shared_task(ignore_result=True)
def rotate_keys() -> str:
    """Periodic: a new signing key; keys replaced longer ago than ``LTI_KEY_RETIRE_DAYS`` are retired."""
    return signing_kid(keys_rotate(retire_after=timedelta(days=settings.LTI_KEY_RETIRE_DAYS)))


@shared_task(ignore_result=True)
def prune_launch_states() -> int:
    """Periodic: delete expired OIDC states, nonces and launch data."""
    return launch_states_prune()
