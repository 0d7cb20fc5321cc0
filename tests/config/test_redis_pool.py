"""Django's Redis cache shares one connection pool per process (config.redis_pool)."""

import threading

import pytest
from django.core.cache import caches

from tests.conftest import REDIS_URL

pytestmark = pytest.mark.redis


def test_threads_share_one_pool_and_reuse_its_connections(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "test-redis-pool",
            "OPTIONS": {"pool_class": "config.redis_pool.SharedConnectionPool"},
        }
    }
    pools = []

    def request_thread(n):  # as daphne runs each request: a thread, its own cache object
        cache = caches["default"]
        cache.set(f"k{n}", n)
        assert cache.get(f"k{n}") == n
        pools.append(cache._cache._get_connection_pool(write=False))

    for n in range(5):
        thread = threading.Thread(target=request_thread, args=(n,))
        thread.start()
        thread.join()

    assert len({id(pool) for pool in pools}) == 1
    assert pools[0]._created_connections == 1  # one after the other: the same connection
