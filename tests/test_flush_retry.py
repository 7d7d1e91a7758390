"""The test database flush between transactional tests survives being a deadlock's victim (tests/conftest.py)."""

import psycopg.errors
import pytest
from django.core.management.base import CommandError
from django.db.utils import OperationalError

from tests.conftest import flush_retrying_deadlocks


def _failing(times: int, error: type[Exception]):
    calls = []

    def teardown(self):
        calls.append(self)
        if len(calls) <= times:
            # As Django's flush raises it: CommandError from OperationalError from psycopg's error.
            try:
                try:
                    raise error("deadlock detected")
                except Exception as cause:
                    raise OperationalError(str(cause)) from cause
            except OperationalError as wrapped:
                raise CommandError("Database test_gym couldn't be flushed.") from wrapped
        return "flushed"

    return teardown, calls


def test_a_flush_picked_as_a_deadlocks_victim_is_retried():
    teardown, calls = _failing(2, psycopg.errors.DeadlockDetected)
    assert flush_retrying_deadlocks(teardown, pause=0)("case") == "flushed"
    assert len(calls) == 3


def test_other_flush_errors_and_endless_deadlocks_are_raised():
    teardown, calls = _failing(1, psycopg.errors.UndefinedTable)
    with pytest.raises(CommandError):
        flush_retrying_deadlocks(teardown, pause=0)("case")
    assert len(calls) == 1
    teardown, calls = _failing(10, psycopg.errors.DeadlockDetected)
    with pytest.raises(CommandError):
        flush_retrying_deadlocks(teardown, attempts=3, pause=0)("case")
    assert len(calls) == 3
