"""The shared cache: Django's Redis backend, reusing one Redis client per connection pool.

Django's backend makes a new ``redis.Redis`` for every operation, and redis-py fills a table of about 170
reply handlers each time: 71 us here, more than the 55 us a whole ``GET`` takes (bench/README.md). A
client holds no connection of its own (the pool does, and is safe across threads and forks), so one per
pool serves every operation.
"""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


class _ClientPerPool(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict = {}

    def get_client(self, key=None, *, write: bool = False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with one client per connection pool."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _ClientPerPool
