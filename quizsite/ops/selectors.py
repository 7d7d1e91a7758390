"""Reads of operational state."""

from __future__ import annotations

from django.utils import timezone

from quizsite.ops.models import WorkerSandbox
from quizsite.ops.services import FRESH_FOR


def grading_unavailable_reason() -> str | None:
    """Why no submission can be graded now, when every worker that reported recently says its sandbox
    cannot isolate learner code; ``None`` otherwise (including when no worker has reported yet: a
    submission then waits in the queue for one)."""
    recent = WorkerSandbox.objects.filter(updated_at__gte=timezone.now() - FRESH_FOR)
    # Asked on every submission: the usual answer (a worker is fine) costs one indexed query.
    if recent.filter(ok=True).exists():
        return None
    errors = sorted({row.error for row in recent})
    if not errors:
        return None
    return "Grading is unavailable: the sandbox cannot isolate learner code on this server (" + "; ".join(errors) + ")."
