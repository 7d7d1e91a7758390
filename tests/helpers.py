"""Shared test helpers that are not fixtures: API clients, factories, content files, ports, polling.

Models are imported inside the functions: bench/load.py imports tests.reliability.stack, and so this
module, before it calls django.setup().
"""

from __future__ import annotations

import itertools
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework.test import APIClient

if TYPE_CHECKING:
    from quizsite.learning.models import Submission

CONTENT_DIR = Path(settings.BASE_DIR) / "exercises"
_learner_numbers = itertools.count(1)


def token_client(user) -> APIClient:
    from rest_framework.authtoken.models import Token

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def key_client(key: str, learner: str | None = None) -> APIClient:
    """An API client sending an API client key and, optionally, ``X-Learner-Id: learner``."""
    client = APIClient()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if learner is not None:
        headers["HTTP_X_LEARNER_ID"] = learner
    client.credentials(**headers)
    return client


def make_submission(**overrides) -> Submission:
    """A submission row written directly, as if already created: the fields a test names, defaults for the rest.

    Defaults: a new learner of its own, the inverted-dropout exercise (the content must be synced: use the
    ``synced`` or ``dropout`` fixture), code ``x = 1``, status queued. Nothing is enqueued.
    """
    from django.contrib.auth import get_user_model

    from quizsite.catalog.models import Exercise
    from quizsite.learning.models import Submission

    fields = {"code": "x = 1\n", "status": Submission.Status.QUEUED, **overrides}
    if "user" not in fields:
        fields["user"] = get_user_model().objects.create_user(username=f"learner-{next(_learner_numbers)}")
    if "exercise" not in fields:
        fields["exercise"] = Exercise.objects.get(slug="inverted-dropout")
    return Submission.objects.create(**fields)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def exercise_file(slug: str, name: str) -> str:
    return (CONTENT_DIR / slug / name).read_text(encoding="utf-8")


def wait_until_final(fetch, timeout: float = 60.0) -> dict:
    """Poll ``fetch()`` (returning a submission as a dict) until its status is final."""
    deadline = time.monotonic() + timeout
    while True:
        body = fetch()
        if body["status"] in ("done", "error"):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"submission still {body['status']} after {timeout} s: {body}")
        time.sleep(0.1)
