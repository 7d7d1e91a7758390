"""The published OpenAPI document: version 3.1, valid, every example valid against its own schema, every
operation with examples, documented problem responses and headers, both ways to authenticate and every
webhook event described. (tests/api/conftest.py checks every live response of the API tests against it.)"""

import json

import pytest
from drf_spectacular.validation import validate_schema
from openapi_schema_validator import OAS31Validator

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


def test_grades_as_json_and_as_csv_are_two_operations_with_one_media_type_each(schema):
    json_grades = schema["paths"]["/api/v1/grades/"]["get"]["responses"]["200"]["content"]
    csv_grades = schema["paths"]["/api/v1/grades/csv/"]["get"]["responses"]["200"]["content"]
    assert list(json_grades) == ["application/json"] and list(csv_grades) == ["text/csv"]


def _examples(schema: dict):
    """Every example in the document with the schema it illustrates: request and response bodies of every
    operation and of every webhook."""
    for section in ("paths", "webhooks"):
        for name, operations in schema.get(section, {}).items():
            for method, operation in operations.items():
                bodies = [operation.get("requestBody", {}), *operation["responses"].values()]
                for body in bodies:
                    for media_type, media in body.get("content", {}).items():
                        for title, example in media.get("examples", {}).items():
                            where = f"{method.upper()} {name} {media_type} {title!r}"
                            yield where, media["schema"], example["value"]


def _validator(schema: dict, media_schema: dict) -> OAS31Validator:
    # The document's components travel with the schema, so its $refs resolve as in the document.
    return OAS31Validator(
        {**media_schema, "components": schema["components"]}, format_checker=OAS31Validator.FORMAT_CHECKER
    )


def test_every_example_is_valid_against_its_own_schema(schema):
    examples = list(_examples(schema))
    assert len(examples) >= 30
    failures = {
        where: [error.message for error in _validator(schema, media_schema).iter_errors(value)]
        for where, media_schema, value in examples
        if media_schema.get("type") != "string"
    }
    assert not {where: errors for where, errors in failures.items() if errors}


def test_a_wrong_example_would_be_caught(schema):
    where, media_schema, value = next(
        (where, media, value) for where, media, value in _examples(schema) if where.startswith("GET /api/v1/grades/ ")
    )
    broken = {**value, "results": [{**value["results"][0], "learner": "ada"}]}
    assert list(_validator(schema, media_schema).iter_errors(broken)), where


def test_the_document_uses_no_openapi_3_0_keywords(schema):
    assert '"nullable"' not in json.dumps(schema)


def test_headers_clients_send_and_read_are_declared(schema):
    for name, operation in _operations(schema):
        headers = {param["name"] for param in operation.get("parameters", []) if param["in"] == "header"}
        assert "X-Learner-Id" in headers, name
        for status, response in operation["responses"].items():
            if status not in ("401", "403"):
                assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(response["headers"]), (
                    name, status
                )  # fmt: skip
    creating = {
        "POST /api/v1/exercises/{slug}/submissions/": "202",
        "POST /api/v1/quizzes/{slug}/attempts/": "201",
        "POST /api/v1/webhooks/": "201",
    }
    operations = dict(_operations(schema))
    for name, status in creating.items():
        operation = operations[name]
        assert "Idempotency-Key" in {param["name"] for param in operation["parameters"]}, name
        assert "Idempotent-Replayed" in operation["responses"][status]["headers"], name
        assert "422" in operation["responses"], name


def test_every_webhook_event_is_described_with_its_payload(schema):
    from quizsite.webhooks.models import Event

    assert set(schema["webhooks"]) == set(Event.values)
    for name, hook in schema["webhooks"].items():
        body = hook["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body["$ref"].startswith("#/components/schemas/"), name


def test_a_real_delivery_matches_the_webhooks_section(schema, lms, dropout, settings):
    from quizsite.accounts.services import external_learner_user
    from quizsite.webhooks import services
    from quizsite.webhooks.models import WebhookDelivery
    from tests.helpers import graded_through_services

    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    client, _ = lms
    services.endpoint_create(client=client, url="http://127.0.0.1:9/h", events=["submission.graded"])
    graded_through_services(external_learner_user(client=client, external_id="s-1"), dropout)
    payload = json.loads(WebhookDelivery.objects.get().payload)
    body = schema["webhooks"]["submission.graded"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert [error.message for error in _validator(schema, body).iter_errors(payload)] == []


def test_the_live_conformance_check_catches_a_body_the_schema_does_not_describe(api, learner, dropout, _openapi):
    from tests.api.conftest import conformance_errors
    from tests.helpers import make_submission

    submission = make_submission(user=learner, status="done", verdict="accepted", score=1.0)
    response = api.get(f"/api/v1/submissions/{submission.pk}/")
    assert conformance_errors(_openapi, response) == []
    body = response.json()
    for wrong in ({"learner": "ada"}, {"updated_at": None}, {"status": "graded"}):
        response.content = json.dumps({**body, **wrong}).encode()
        assert conformance_errors(_openapi, response), wrong
