"""Fixtures for reliability tests: a learner with a token, the content, and a stack of real processes."""

import pytest
from rest_framework.authtoken.models import Token

from tests.reliability.stack import Stack


@pytest.fixture
def token(learner, synced) -> str:
    return Token.objects.create(user=learner).key


@pytest.fixture
def stack_env() -> dict[str, str]:
    """Settings for the stack's processes beyond the defaults; a test module may override this fixture."""
    return {}


@pytest.fixture
def stack(tmp_path, token, stack_env):
    """Redis, gunicorn and beat running; the test starts the workers it wants."""
    instance = Stack(tmp_path, extra_env=stack_env)
    try:
        instance.start_redis()
        instance.start_web()
        instance.start_beat()
        yield instance
    finally:
        instance.stop()
