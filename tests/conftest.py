"""Shared fixtures: people, API clients, synced content and a sandbox zygote."""

from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from grader.sandbox.supervisor import Zygote

CONTENT_DIR = Path(settings.BASE_DIR) / "exercises"


@pytest.fixture(scope="session")
def zygote():
    """One real sandbox zygote for the whole run (it imports NumPy and PyTorch once)."""
    instance = Zygote(mode="isolated", hidden_paths=[])
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture
def learner(django_user_model):
    return django_user_model.objects.create_user(username="ada", password="pw-ada-123456")


@pytest.fixture
def other_learner(django_user_model):
    return django_user_model.objects.create_user(username="grace", password="pw-grace-123456")


@pytest.fixture
def instructor(django_user_model):
    return django_user_model.objects.create_user(username="prof", password="pw-prof-123456", is_staff=True)


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api(learner) -> APIClient:
    """An API client authenticated as ``learner`` with a token."""
    return token_client(learner)


@pytest.fixture
def synced(db):
    """The real content folder synced into the test database."""
    from quizsite.catalog.services import content_sync

    content_sync(root=CONTENT_DIR)


@pytest.fixture
def dropout(synced):
    from quizsite.catalog.models import Exercise

    return Exercise.objects.get(slug="inverted-dropout")


def exercise_file(slug: str, name: str) -> str:
    return (CONTENT_DIR / slug / name).read_text(encoding="utf-8")
