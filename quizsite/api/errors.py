"""Every API error as RFC 9457 ``application/problem+json``: type, title, status, detail, errors."""

from __future__ import annotations

import logging
import uuid

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from quizsite import logs
from quizsite.api.authentication import challenge
from quizsite.ops.middleware import MESSAGE as DATABASE_DOWN_MESSAGE
from quizsite.ops.middleware import is_connection_failure

log = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
_TYPE_BASE = "https://gradient-gym.example/problems/"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request is too large."
    default_code = "too_large"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request is well-formed but cannot be processed."
    default_code = "unprocessable"


class LearnerRequired(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "An API client must name the learner this is for with the X-Learner-Id header."
    default_code = "learner_required"


class GradingUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Grading is unavailable on this server."
    default_code = "grading_unavailable"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the resource's current state."
    default_code = "conflict"


def problem(status_code: int, title: str, detail: str, *, errors: list[dict] | None = None, kind: str = "") -> Response:
    """A problem-details response."""
    body = {
        "type": _TYPE_BASE + (kind or str(status_code)),
        "title": title,
        "status": status_code,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def json_exception_handler(exc: Exception, context: dict) -> Response:
    """DRF exception handler: known errors become problem details; anything else a 500 with an id."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    if is_connection_failure(exc):
        log.error("database unavailable: %s", exc)
        result = problem(503, "Service Unavailable", DATABASE_DOWN_MESSAGE, kind="unavailable")
        result["Retry-After"] = "30"
        return result
    response = exception_handler(exc, context)
    if response is None:
        # The request id is on every log line of this request, so it finds the whole story, not one line.
        correlation_id = logs.current("request_id") or uuid.uuid4().hex
        log.exception("unhandled API error, correlation id %s", correlation_id)
        return problem(500, "Internal server error", f"Something went wrong on our side (error id {correlation_id}).")
    errors = None
    if isinstance(exc, exceptions.ValidationError):
        errors = list(_flatten(exc.detail, ""))
        detail = "The request has invalid fields; see errors."
    else:
        detail = str(exc.detail) if not isinstance(exc.detail, (list, dict)) else "Request failed."
    result = problem(response.status_code, _title(response.status_code), detail, errors=errors, kind=_kind(exc))
    for header in ("Retry-After", "Allow"):
        if header in response:
            result[header] = response[header]
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        # DRF names only the first authentication class's scheme (Token), even to a Bearer client.
        result["WWW-Authenticate"] = challenge(context["request"])
    return result


def _flatten(detail, pointer: str):
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from _flatten(value, f"{pointer}/{key}" if key != "non_field_errors" else pointer)
    elif isinstance(detail, list):
        for item in detail:
            yield from _flatten(item, pointer)
    else:
        yield {"pointer": pointer or "/", "detail": str(detail), "code": getattr(detail, "code", "invalid")}


def _title(status_code: int) -> str:
    from http import HTTPStatus

    return HTTPStatus(status_code).phrase


def _kind(exc: Exception) -> str:
    code = getattr(exc, "default_code", "") or ""
    return code.replace("_", "-")
