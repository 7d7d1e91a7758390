"""Request context for the logs, and a lost database turned into a clear 503, never a stack trace."""

from __future__ import annotations

import logging
import re
import uuid

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from quizsite import logs

log = logging.getLogger(__name__)

MESSAGE = "The database is unavailable right now. Nothing you sent is lost; please try again in a minute."


class DatabaseUnavailableMiddleware:
    """Answers 503 (problem+json under /api/, a short page elsewhere) when the database cannot be reached."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_connection_failure(exception):
            return None
        log.error("database unavailable while serving %s: %s", request.path, exception)
        if request.path.startswith("/api/"):
            body = {"type": "https://gradient-gym.example/problems/unavailable", "title": "Service Unavailable",
                    "status": 503, "detail": MESSAGE}  # fmt: skip
            response: HttpResponse = JsonResponse(body, status=503, content_type="application/problem+json")
        else:
            response = HttpResponse(f"<!doctype html><title>Unavailable</title><h1>Back soon</h1><p>{MESSAGE}</p>",
                                    status=503)  # fmt: skip
        response["Retry-After"] = "30"
        return response


def is_connection_failure(exception: Exception) -> bool:
    """Whether ``exception`` means the database cannot be reached (not a bug in a query)."""
    # OperationalError/InterfaceError cover refused, dropped and timed-out connections; other database
    # errors (integrity, programming) are bugs and stay 500s.
    return isinstance(exception, OperationalError | InterfaceError)


_REQUEST_ID = re.compile(r"^[\w.-]{1,64}$")


class RequestContextMiddleware:
    """Gives each request an id (the caller's ``X-Request-ID`` if sane, else a new one), binds it to every
    log line of the request, and returns it in ``X-Request-ID``. Clears any context a previous request on
    this thread left behind."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        tokens = logs.bind(request_id=request_id, submission_id=None, task_id=None)
        try:
            response = self.get_response(request)
        finally:
            logs.unbind(tokens)
        response["X-Request-ID"] = request_id
        return response
