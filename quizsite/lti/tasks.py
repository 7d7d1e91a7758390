"""Celery glue for LTI: ids in, a service call, nothing else. Routed to the outbound (webhooks) queue."""

from __future__ import annotations

from celery import shared_task

from quizsite.lti import passback, roster
from quizsite.lti.models import CourseContext
from quizsite.lti.storage import launch_states_prune


@shared_task(ignore_result=True)
def send_score(passback_id: int) -> str:
    """Send one learner's mark to the platform (failures are recorded and rescheduled by the service)."""
    return passback.score_send(passback_id=passback_id)


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
def prune_launch_states() -> int:
    """Periodic: delete expired OIDC states, nonces and launch data."""
    return launch_states_prune()
