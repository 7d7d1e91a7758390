"""A database that cannot be reached gives a clear 503 with Retry-After, never a stack trace."""

from django.db import IntegrityError, OperationalError
from django.test import RequestFactory

from quizsite.api.errors import json_exception_handler
from quizsite.ops.middleware import DatabaseUnavailableMiddleware


def _middleware():
    return DatabaseUnavailableMiddleware(lambda request: None)


def test_a_page_gets_a_short_503_page():
    response = _middleware().process_exception(RequestFactory().get("/dashboard/"), OperationalError("refused"))
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert b"Back soon" in response.content and b"refused" not in response.content


def test_an_api_path_gets_problem_json():
    response = _middleware().process_exception(RequestFactory().get("/api/v1/x/"), OperationalError("refused"))
    assert response.status_code == 503 and response["Content-Type"] == "application/problem+json"


def test_other_database_errors_are_left_to_the_500_handler():
    assert _middleware().process_exception(RequestFactory().get("/"), IntegrityError("dup")) is None


def test_api_views_answer_503_through_the_exception_handler():
    response = json_exception_handler(OperationalError("server closed the connection"), {})
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "closed the connection" not in str(response.data)
