"""Request context for the logs, a body over the upload limit turned into a clear 413, and a lost database
turned into a clear 503: never a stack trace."""

from __future__ import annotations

import logging
import re
import uuid

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from quizsite import logs

log = logging.getLogger(__name__)

MESSAGE = "The database is unavailable right now. Nothing you sent is lost; please try again in a minute."


def _problem(request: HttpRequest, status: int, title: str, detail: str, kind: str) -> HttpResponse:
    """problem+json under /api/, a short page elsewhere."""
    if request.path.startswith("/api/"):
        body = {"type": f"https://gradient-gym.example/problems/{kind}", "title": title, "status": status,
                "detail": detail}  # fmt: skip
        return JsonResponse(body, status=status, content_type="application/problem+json")
    return HttpResponse(f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{detail}</p>", status=status)


class RequestSizeMiddleware:
    """Refuses a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` with 413 before anything reads it (Django would
    answer 400 from the CSRF check, and a DRF view 500)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            detail = f"The request body is {length} bytes; the limit is {limit} bytes."
            return _problem(request, 413, "Content Too Large", detail, "too-large")
        return self.get_response(request)


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
        response = _problem(request, 503, "Service Unavailable", MESSAGE, "unavailable")
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
