"""Exercise endpoints show what a learner needs and never the hidden parts."""

import json

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

HIDDEN = ("solution_code", "checks_source", "wrong", "def _forward")


def test_the_list_shows_published_exercises(api, dropout):
    response = api.get("/api/v1/exercises/")
    assert response.status_code == 200
    listed = {exercise["slug"]: exercise for exercise in response.json()}
    assert len(listed) >= 15
    assert listed["inverted-dropout"] == {
        "slug": "inverted-dropout",
        "title": "Inverted dropout",
        "topic": "dropout",
        "difficulty": "easy",
        "points": 10,
    }


def test_unpublished_exercises_are_not_listed(api, dropout):
    dropout.is_published = False
    dropout.save()
    assert "inverted-dropout" not in {exercise["slug"] for exercise in api.get("/api/v1/exercises/").json()}
    assert api.get("/api/v1/exercises/inverted-dropout/").status_code == 404


def test_the_detail_has_statement_starter_and_limits_but_no_hidden_parts(api, dropout):
    response = api.get("/api/v1/exercises/inverted-dropout/")
    assert response.status_code == 200
    body = response.json()
    assert body["statement"].startswith("# Inverted dropout")
    assert "raise NotImplementedError" in body["starter_code"]
    assert "Evaluation mode returns the input unchanged and no mask" in body["public_examples"]
    assert body["limits"] == {"cpu_seconds": 2.0, "wall_seconds": 5.0, "memory_mb": 1024, "output_kb": 1024}
    raw = response.content.decode()
    assert not any(marker in raw for marker in HIDDEN)
    assert dropout.solution_code not in raw


def test_an_unknown_slug_is_a_json_404(api, synced):
    response = api.get("/api/v1/exercises/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_anonymous_requests_get_a_json_401(synced):
    response = APIClient().get("/api/v1/exercises/")
    assert response.status_code == 401
    assert response.json()["title"] == "Unauthorized"


def test_the_openapi_schema_and_docs_are_served(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/exercises/{slug}/submissions/" in paths
    assert "/api/v1/submissions/{id}/" in paths
    assert api.get("/api/docs/").status_code == 200


@pytest.mark.parametrize(
    ("query", "accept", "content_type"),
    [
        ("?format=json", "", "application/json"),
        ("", "application/json", "application/json"),
        ("?format=yaml", "application/json", "application/vnd.oai.openapi"),
        ("", "", "application/vnd.oai.openapi"),
    ],
)
def test_the_schema_comes_as_json_when_asked_for_json(api, query, accept, content_type):
    response = api.get(f"/api/schema/{query}", **({"HTTP_ACCEPT": accept} if accept else {}))
    assert response.status_code == 200 and response["Content-Type"].split(";")[0] == content_type
    if content_type == "application/json":
        assert json.loads(response.content)["openapi"].startswith("3.")
