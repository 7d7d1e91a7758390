"""The burst again, while things break: a worker is SIGKILLed twice mid-grading, Redis restarts empty,
and every PostgreSQL connection is dropped. Still every submission ends final, with the verdict its
code deserves, and none is stored twice."""

import threading
import time

import pytest
from django.db import connection

from quizsite.learning.models import Submission
from tests.reliability.helpers import wait_until_all_final
from tests.reliability.test_burst import BURST, assert_graded_as_expected, burst

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True), pytest.mark.timeout(900)]


@pytest.fixture
def stack_env() -> dict[str, str]:
    # Two kills may interrupt the same grading twice; a third interruption would mean giving up on it.
    return {"GRADING_MAX_ATTEMPTS": "5"}


def drop_database_connections() -> int:
    """Terminate every other session on the test database (web, workers, beat); returns how many."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def wait_for_gradings_in_flight(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not Submission.objects.filter(status="running").exists():
        assert time.monotonic() < deadline, "nothing is being graded"
        time.sleep(0.05)


def test_a_burst_survives_killed_workers_a_redis_restart_and_dropped_connections(stack, token):
    stack.start_worker("a")
    stack.start_worker("b")
    submitted: dict[str, str] = {}
    client = threading.Thread(target=lambda: submitted.update(burst(stack, token, "chaos")))
    client.start()
    events = []

    wait_for_gradings_in_flight()
    stack.kill_worker("a")
    events.append("worker a killed")
    stack.start_worker("a")

    time.sleep(3)
    stack.restart_redis()
    events.append("redis restarted empty")

    time.sleep(3)
    events.append(f"{drop_database_connections()} database connections dropped")

    wait_for_gradings_in_flight()
    stack.kill_worker("b")
    events.append("worker b killed")
    stack.start_worker("b")

    client.join(timeout=300)
    assert not client.is_alive(), "the client could not submit everything"
    wait_until_all_final(stack, BURST, timeout=600)
    assert_graded_as_expected(submitted)
    regraded = Submission.objects.filter(attempts__gt=1).count()
    print(f"chaos: {'; '.join(events)}; {regraded} submissions graded more than once, each stored once")
