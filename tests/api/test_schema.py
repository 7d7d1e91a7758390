"""The published OpenAPI document: version 3.1, valid, every operation with examples and documented
problem responses, both ways to authenticate described."""

import pytest
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api) -> dict:
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation


def test_it_is_openapi_3_1_and_valid(schema):
    assert schema["openapi"] == "3.1.0"
    validate_schema(schema)


def test_every_operation_with_a_body_has_an_example(schema):
    def bodies(operation):
        successes = [response for status, response in operation["responses"].items() if status.startswith("2")]
        return [
            media
            for body in [operation.get("requestBody", {}), *successes]
            for media in body.get("content", {}).values()
        ]

    missing = [
        name
        for name, operation in _operations(schema)
        if bodies(operation) and not any(media.get("examples") for media in bodies(operation))
    ]
    assert not missing
    assert sum(1 for _ in _operations(schema)) - 1 == sum(1 for _, op in _operations(schema) if bodies(op)), (
        "only DELETE (204, no body) lacks a body"
    )


def test_every_operation_documents_its_errors_as_problem_details(schema):
    for name, operation in _operations(schema):
        for status in ("401", "403", "429", "500"):
            content = operation["responses"][status]["content"]
            assert list(content) == ["application/problem+json"], name
        assert "Retry-After" in operation["responses"]["429"]["headers"], name


def test_both_credentials_are_described(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["apiClientKey"] == schemes["apiClientKey"] | {"type": "http", "scheme": "bearer"}
    assert "tokenAuth" in schemes


def test_grades_document_both_formats(schema):
    content = schema["paths"]["/api/v1/grades/"]["get"]["responses"]["200"]["content"]
    assert {"application/json", "text/csv"} <= set(content)
