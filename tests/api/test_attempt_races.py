"""Concurrent starts of one quiz by one learner, on the real PostgreSQL: exactly one attempt opens."""

import threading

import pytest
from django.db import connection

from quizsite.learning.models import Attempt
from tests.api.test_attempts import quizzes  # noqa: F401 - the fixture
from tests.helpers import token_client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (make test uses it)")
@pytest.mark.usefixtures("quizzes")
def test_concurrent_starts_open_one_attempt_and_the_rest_get_409(learner):
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def start() -> None:
        client = token_client(learner)
        barrier.wait()
        statuses.append(client.post("/api/v1/quizzes/timed/attempts/").status_code)
        connection.close()

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 409, 409, 409, 409, 409]
    assert Attempt.objects.filter(user=learner).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (make test uses it)")
@pytest.mark.usefixtures("quizzes")
def test_concurrent_retries_with_one_idempotency_key_all_get_the_one_attempt(learner):
    answers: list[tuple[int, str]] = []
    barrier = threading.Barrier(6)

    def start() -> None:
        client = token_client(learner)
        barrier.wait()
        response = client.post("/api/v1/quizzes/timed/attempts/", HTTP_IDEMPOTENCY_KEY="retry-me")
        answers.append((response.status_code, response.json().get("id")))
        connection.close()

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {status for status, _ in answers} == {201}
    assert len({attempt for _, attempt in answers}) == 1
    assert Attempt.objects.filter(user=learner).count() == 1
