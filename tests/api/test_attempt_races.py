"""Concurrent starts of one quiz by one learner, on the real PostgreSQL: exactly one attempt opens."""

import threading

import pytest
from django.db import connection

from quizsite.learning.models import Attempt
from tests.api.test_attempts import quizzes  # noqa: F401 - the fixture
from tests.helpers import token_client

pytestmark = pytest.mark.django_db(transaction=True)


POSTGRES_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (make test uses it)"
)


def _six_starts_at_once(learner, **headers) -> list:
    """Six clients of ``learner`` start the timed quiz at the same moment; their responses."""
    responses = []
    barrier = threading.Barrier(6)

    def start() -> None:
        client = token_client(learner)
        barrier.wait()
        responses.append(client.post("/api/v1/quizzes/timed/attempts/", **headers))
        connection.close()

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


@POSTGRES_ONLY
@pytest.mark.usefixtures("quizzes")
def test_concurrent_starts_open_one_attempt_and_the_rest_get_409(learner):
    statuses = [response.status_code for response in _six_starts_at_once(learner)]
    assert sorted(statuses) == [201, 409, 409, 409, 409, 409]
    assert Attempt.objects.filter(user=learner).count() == 1


@POSTGRES_ONLY
@pytest.mark.usefixtures("quizzes")
def test_concurrent_retries_with_one_idempotency_key_all_get_the_one_attempt(learner):
    responses = _six_starts_at_once(learner, HTTP_IDEMPOTENCY_KEY="retry-me")
    assert {response.status_code for response in responses} == {201}
    assert len({response.json()["id"] for response in responses}) == 1
    assert Attempt.objects.filter(user=learner).count() == 1
