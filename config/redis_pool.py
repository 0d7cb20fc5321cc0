"""One Redis connection pool per process for Django's cache.

Django keeps a cache object per thread, and its Redis client a pool per cache object. Under
an ASGI server every request runs in a thread of its own, so each request built a pool and opened a
new connection (~1 ms here, more than the database query the cached sessions replace). The
pools are thread-safe: share one per URL and options.
"""

import threading

import redis

_pools: dict[tuple, redis.ConnectionPool] = {}
_lock = threading.Lock()


class SharedConnectionPool(redis.ConnectionPool):
    @classmethod
    def from_url(cls, url, **kwargs):
        key = (url, tuple(sorted(kwargs.items())))
        with _lock:
            pool = _pools.get(key)
            if pool is None:
                pool = _pools[key] = super().from_url(url, **kwargs)
            return pool
