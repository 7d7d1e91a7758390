"""Health endpoints for load balancers and docker-compose."""

from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from quizsite.celery import app
from quizsite.ops.services import readiness
from quizsite.ops.supervisor import read_state


def _broker_check() -> None:
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)


def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database, the broker and a worker with a working sandbox are available; else 503."""
    supervised = read_state(Path(settings.SERVE_STATE_FILE))
    report = readiness(broker_check=_broker_check, supervised=supervised)
    return JsonResponse(report, status=200 if report["ready"] else 503)
