"""A database that cannot be reached gives a clear 503 with Retry-After, and a body over the upload limit a
clear 413, never a stack trace."""

import logging

import pytest
from django.db import IntegrityError, OperationalError
from django.test import RequestFactory

from quizsite.api.errors import json_exception_handler
from quizsite.ops.middleware import DatabaseUnavailableMiddleware


def _middleware():
    return DatabaseUnavailableMiddleware(lambda request: None)


def test_a_page_gets_a_short_503_page():
    response = _middleware().process_exception(RequestFactory().get("/dashboard/"), OperationalError("refused"))
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert b"Service Unavailable" in response.content and b"refused" not in response.content


def test_an_api_path_gets_problem_json():
    response = _middleware().process_exception(RequestFactory().get("/api/v1/x/"), OperationalError("refused"))
    assert response.status_code == 503 and response["Content-Type"] == "application/problem+json"


def test_other_database_errors_are_left_to_the_500_handler():
    assert _middleware().process_exception(RequestFactory().get("/"), IntegrityError("dup")) is None


def test_api_views_answer_503_through_the_exception_handler():
    response = json_exception_handler(OperationalError("server closed the connection"), {})
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "closed the connection" not in str(response.data)


@pytest.mark.django_db
def test_each_response_names_its_request_id(api, synced):
    first = api.get("/api/v1/exercises/")
    second = api.get("/api/v1/exercises/")
    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.django_db
def test_a_sane_incoming_request_id_is_kept_and_a_strange_one_replaced(api, synced):
    assert api.get("/api/v1/exercises/", HTTP_X_REQUEST_ID="lms-7f3a.1")["X-Request-ID"] == "lms-7f3a.1"
    assert api.get("/api/v1/exercises/", HTTP_X_REQUEST_ID="a b<script>")["X-Request-ID"] != "a b<script>"


@pytest.mark.django_db
def test_log_lines_of_a_submission_request_carry_its_ids(api, dropout, django_capture_on_commit_callbacks):
    import json

    from quizsite import logs

    lines: list[dict] = []
    handler = logging.Handler()
    handler.addFilter(logs.ContextFilter())
    handler.emit = lambda record: lines.append(json.loads(logs.JsonFormatter().format(record)))
    services_log = logging.getLogger("quizsite.learning.services")
    services_log.addHandler(handler)
    try:
        with django_capture_on_commit_callbacks(execute=False):
            response = api.post(
                "/api/v1/exercises/inverted-dropout/submissions/",
                {"code": "x = 1\n"},
                format="json",
                HTTP_X_REQUEST_ID="req-42",
            )
    finally:
        services_log.removeHandler(handler)
    created = [line for line in lines if line["message"].startswith("submission created")]
    assert len(created) == 1
    assert created[0]["submission_id"] == response.json()["id"] and created[0]["request_id"] == "req-42"
    assert logs.current("request_id") is None and logs.current("submission_id") is None, "cleared after the request"


@pytest.mark.django_db
@pytest.mark.parametrize("size", [70_000, 3_000_000])
def test_an_oversized_submission_gets_413_problem_json_not_500(api, synced, size):
    response = api.post("/api/v1/exercises/inverted-dropout/submissions/", {"code": "#" * size}, format="json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert "limit" in response.json()["detail"]


def test_an_oversized_page_post_gets_a_413_page(client):
    response = client.generic("POST", "/login/", b"x" * 3_000_000, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and b"Content Too Large" in response.content
