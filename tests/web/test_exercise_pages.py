"""Every exercise's page and API entry show its statement, starter and public examples."""

from pathlib import Path

import pytest
from django.utils.html import escape

from quizsite.catalog.content import load_exercises

pytestmark = pytest.mark.django_db
EXERCISES = load_exercises(Path(__file__).resolve().parents[2] / "exercises")


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.slug)
def test_the_page_renders_statement_starter_and_public_examples(exercise, client, learner, synced):
    client.force_login(learner)
    html = client.get(f"/exercises/{exercise.slug}/").content.decode()
    assert escape(exercise.title) in html
    assert escape(exercise.starter_code.splitlines()[0]) in html
    assert exercise.public_examples and all(escape(name) in html for name in exercise.public_examples)
    assert "raise NotImplementedError" in html


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.slug)
def test_the_api_returns_statement_starter_and_public_examples_only(exercise, api, synced):
    body = api.get(f"/api/v1/exercises/{exercise.slug}/").json()
    assert body["statement"] == exercise.statement and body["starter_code"] == exercise.starter_code
    assert body["public_examples"] == exercise.public_examples
    assert exercise.solution_code not in str(body) and "@check" not in str(body)
