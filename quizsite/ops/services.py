"""Writes and reads of operational state."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from quizsite.ops.models import WorkerSandbox

# A worker that has not reported for this long is not counted as ready.
FRESH_FOR = timedelta(minutes=15)
# Every page and submission asks whether grading is possible; the answer is kept this long in the cache instead
# of a query on each request. A report clears it, though a request that read the state just before the report
# committed may put the old answer back: never older than this.
AVAILABILITY_KEY = "ops:grading-unavailable"
AVAILABILITY_CACHED_SECONDS = 10


def worker_sandbox_report(*, hostname: str, pid: int, runtime: str, error: str | None) -> None:
    """Record that a worker process's sandbox for ``runtime`` works (``error`` is None) or why not."""
    WorkerSandbox.objects.update_or_create(
        hostname=hostname, pid=pid, runtime=runtime, defaults={"ok": error is None, "error": error or ""}
    )
    transaction.on_commit(lambda: cache.delete(AVAILABILITY_KEY), robust=True)


def readiness(*, broker_check, supervised: dict | None = None) -> dict:
    """Whether the database, the broker and at least one worker with a working sandbox are there.

    ``supervised`` is the state of a local run's processes (``manage.py serve``), when there is one:
    a process that is down (and being restarted) makes the service not ready, and says so.
    """
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with the reason
        checks["database"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    try:
        broker_check()
        checks["broker"] = {"ok": True}
    except Exception as exc:  # noqa: BLE001
        checks["broker"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    checks["sandbox"] = _sandbox_status() if checks["database"]["ok"] else {"ok": False, "error": "no database"}
    if supervised is not None:
        down = {name: state for name, state in supervised.items() if not state.get("running")}
        reasons = [
            f"{name} is down ({state.get('last_exit') or 'starting'}), restarting" for name, state in down.items()
        ]
        checks["processes"] = {"ok": True} if not down else {"ok": False, "error": "; ".join(reasons)}
    return {"ready": all(check["ok"] for check in checks.values()), "checks": checks}


def _sandbox_status() -> dict:
    recent = WorkerSandbox.objects.filter(updated_at__gte=timezone.now() - FRESH_FOR)
    working = recent.filter(ok=True)
    if working.exists():
        return {"ok": True, "workers": sorted({f"{row.hostname}:{row.pid}" for row in working})}
    failures = [f"{row.hostname}:{row.pid} ({row.runtime}): {row.error}" for row in recent.filter(ok=False)]
    reason = "; ".join(failures) if failures else "no grading worker has reported a working sandbox recently"
    return {"ok": False, "error": reason}
