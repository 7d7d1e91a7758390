"""The shared cache backend reuses one Redis client per connection pool, against a real Redis."""

import threading
import uuid

import pytest
from django.conf import settings

from quizsite.cache import RedisCache


@pytest.fixture
def shared_cache():
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.fail("this test needs Redis: set CELERY_BROKER_URL (make test does)")
    backend = RedisCache(settings.CELERY_BROKER_URL, {"KEY_PREFIX": f"test-cache-{uuid.uuid4().hex}"})
    yield backend
    # Not clear(): that empties the whole Redis database, the test broker's.
    backend.delete_many(["a", "counter", "x", "y", *(f"thread-{n}" for n in range(8))])


def test_every_operation_of_a_thread_uses_one_client(shared_cache):
    first = shared_cache._cache.get_client(write=True)
    shared_cache.set("a", {"value": 1}, 30)
    assert shared_cache.get("a") == {"value": 1}
    assert shared_cache._cache.get_client() is first


def test_it_reads_writes_counts_and_expires_as_django_s_backend_does(shared_cache):
    assert shared_cache.add("counter", 1, 30)
    assert not shared_cache.add("counter", 5, 30)
    assert shared_cache.incr("counter") == 2
    shared_cache.set_many({"x": "1", "y": [2]}, 30)
    assert shared_cache.get_many(["x", "y", "z"]) == {"x": "1", "y": [2]}
    shared_cache.set("gone", 1, 0)
    assert shared_cache.get("gone") is None
    shared_cache.delete("x")
    assert shared_cache.get("x", "default") == "default"


def test_threads_sharing_the_client_each_read_their_own_values(shared_cache):
    errors = []

    def work(n: int) -> None:
        for i in range(200):
            shared_cache.set(f"thread-{n}", i, 30)
            if shared_cache.get(f"thread-{n}") != i:
                errors.append((n, i))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
