"""Shared fixtures: people, API clients, synced content, a sandbox zygote, the independent LTI platform."""

import time
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from grader.sandbox.supervisor import ZygotePool
from grader.vocabulary import Runtime
from tests.helpers import CONTENT_DIR, token_client
from tests.lti.platform.fixtures import lti_platform  # noqa: F401  (a fixture, used by tests/lti and tests/browser)


def _is_deadlock(exc: BaseException | None) -> bool:
    while exc is not None:
        if type(exc).__name__ == "DeadlockDetected":
            return True
        exc = exc.__cause__
    return False


def flush_retrying_deadlocks(teardown, *, attempts: int = 4, pause: float = 0.5):
    """``TransactionTestCase._fixture_teardown`` (which empties every table with TRUNCATE) retried when
    PostgreSQL picks it as a deadlock's victim: a worker or live-server thread of the test that ended may still
    be writing (a passback retry, a long poll answering), and the TRUNCATE, taking its locks table by table,
    can cross it. The other side finishes; the retry then empties the tables, instead of leaving rows that fail
    the next test."""

    def retried(self):
        for attempt in range(attempts):
            try:
                return teardown(self)
            except Exception as exc:
                if attempt == attempts - 1 or not _is_deadlock(exc):
                    raise
                time.sleep(pause)

    return retried


@pytest.fixture(scope="session", autouse=True)
def _flush_survives_deadlocks():
    from django.test import TransactionTestCase

    original = TransactionTestCase._fixture_teardown
    TransactionTestCase._fixture_teardown = flush_retrying_deadlocks(original)
    yield
    TransactionTestCase._fixture_teardown = original


@pytest.fixture(scope="session")
def zygotes():
    """Real sandbox zygotes for the whole run, one per runtime, started on first use."""
    pool = ZygotePool(mode="isolated")
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def zygote(zygotes):
    """The PyTorch runtime's zygote, for tests that drive the sandbox directly."""
    return zygotes(Runtime.TORCH)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: every test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def learner(django_user_model):
    return django_user_model.objects.create_user(username="ada", password="pw-ada-123456")


@pytest.fixture
def other_learner(django_user_model):
    return django_user_model.objects.create_user(username="grace", password="pw-grace-123456")


@pytest.fixture
def instructor(django_user_model):
    return django_user_model.objects.create_user(username="prof", password="pw-prof-123456", is_staff=True)


@pytest.fixture
def other_instructor(django_user_model):
    """Staff who teach other courses than ``instructor``'s (enrol them as a test needs)."""
    return django_user_model.objects.create_user(username="turing", password="pw-turing-123456", is_staff=True)


@pytest.fixture
def assistant(django_user_model):
    """Staff to enrol as a teaching assistant."""
    return django_user_model.objects.create_user(username="ta", password="pw-ta-123456", is_staff=True)


@pytest.fixture
def teaching(instructor, learner, other_learner):
    """A course ``instructor`` teaches, with ``learner`` and ``other_learner`` in it: staff who are not
    superusers see learners' work only through the courses they teach."""
    from tests.helpers import make_course

    return make_course(instructors=[instructor], learners=[learner, other_learner])


@pytest.fixture
def lms(instructor):
    """An LMS registered as an API client with every scope: ``(ApiClient, key)``."""
    from quizsite.accounts.models import Scope
    from quizsite.accounts.services import api_client_create

    return api_client_create(name="Course LMS", owner=instructor, scopes=Scope.values)


@pytest.fixture
def api(learner) -> APIClient:
    """An API client authenticated as ``learner`` with a token."""
    return token_client(learner)


@pytest.fixture(scope="session")
def _validation_reports() -> dict[str, list[dict]]:
    """Validation reports by exercise version, for the whole run: the content does not change meanwhile."""
    return {}


@pytest.fixture
def validate_pending(db, zygotes, _validation_reports):
    """A function that validates every pending run, as a worker would (claim, grade, record), so synced
    exercises are published; each version is graded once per test run (about 20 s for the catalogue)."""
    from quizsite.catalog import services
    from quizsite.catalog.models import ValidationRun
    from quizsite.catalog.validation import content_of, exercise_validate

    def validate() -> None:
        for run_id in ValidationRun.objects.filter(status="pending").values_list("pk", flat=True):
            run, token = services.validation_run_claim(run_id=run_id)
            if run.content_hash not in _validation_reports:
                results = exercise_validate(exercise=content_of(run.exercise), zygotes=zygotes)
                _validation_reports[run.content_hash] = [result.as_dict() for result in results]
            services.validation_run_record(run_id=run_id, token=token, results=_validation_reports[run.content_hash])

    return validate


@pytest.fixture
def synced(db, validate_pending):
    """The real content folder synced into the test database, every exercise validated and published."""
    from quizsite.catalog.services import content_sync

    content_sync(root=CONTENT_DIR, enqueue_validations=False)
    validate_pending()


@pytest.fixture
def dropout(synced):
    from quizsite.catalog.models import Exercise

    return Exercise.objects.get(slug="inverted-dropout")


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real Celery worker process, on the real broker, writing to the test database.

    Integration tests must not fake the parts they integrate: this needs PostgreSQL (a worker in
    another process cannot see an in-memory SQLite test database) and Redis, as `make test` sets up.
    """
    import os
    import subprocess
    import sys
    import time

    import redis
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail("integration tests need PostgreSQL: set DATABASE_URL (make test does)")
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.fail("integration tests need Redis: set CELERY_BROKER_URL (make test does)")
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    log_path = Path(settings.VAR_DIR) / "test-worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        # Webhook tests receive on 127.0.0.1 and cannot wait minutes between retries.
        "WEBHOOK_ALLOW_PRIVATE_URLS": "1",
        "WEBHOOK_RETRY_DELAYS": "0.5,1,2,4",
        "LTI_PASSBACK_RETRY_DELAYS": "0.5,1,2",
        "LOG_FORMAT": "json",
        # Tests empty the tables while this worker lives on: it reports its sandbox after every grading.
        "GRADER_HEARTBEAT_SECONDS": "0",
    }
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "quizsite",
                "worker",
                "--loglevel=info",
                "--concurrency=2",
                "--queues=grading,webhooks",
                "--hostname=test@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 90
    while "ready." not in log_path.read_text() and time.monotonic() < deadline:
        if worker.poll() is not None:
            pytest.fail(f"the worker exited during start-up:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    yield worker
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
