"""Reads of operational state."""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone

from quizsite.ops.models import WorkerSandbox
from quizsite.ops.services import AVAILABILITY_CACHED_SECONDS, AVAILABILITY_KEY, FRESH_FOR


def grading_unavailable_reason() -> str | None:
    """Why no submission can be graded now, when every worker that reported recently says its sandbox
    cannot isolate learner code; ``None`` otherwise (including when no worker has reported yet: a
    submission then waits in the queue for one). At most ``AVAILABILITY_CACHED_SECONDS`` old."""
    cached = cache.get(AVAILABILITY_KEY)
    if cached is not None:
        return cached or None
    reason = _grading_unavailable_reason()
    cache.set(AVAILABILITY_KEY, reason or "", AVAILABILITY_CACHED_SECONDS)
    return reason


def _grading_unavailable_reason() -> str | None:
    recent = WorkerSandbox.objects.filter(updated_at__gte=timezone.now() - FRESH_FOR)
    # The usual answer (a worker is fine) costs one indexed query.
    if recent.filter(ok=True).exists():
        return None
    errors = sorted({row.error for row in recent})
    if not errors:
        return None
    return "Grading is unavailable: the sandbox cannot isolate learner code on this server (" + "; ".join(errors) + ")."
