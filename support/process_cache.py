"""Small configuration tables read on every message, kept per process for a few seconds.

Webhook endpoints and keyword priority rules are read for each message but change a few times
a year, from the admin. Each costs a query per message otherwise. A save or delete through the
ORM in this process is seen at once: the copy is cleared, and cleared again at commit so no
reader keeps what it read before the commit. Until then the writing thread reads its own
uncommitted rows without caching them, so a rolled-back change is never served. Other
processes see a change within `ttl` seconds. Bulk `QuerySet.update()` sends no signal: code
that updates these rows in bulk calls `changed()`.

A large table (the agents) takes a `stamp`: a key in Django's cache (Redis, shared by the
processes, when configured) that every change through these models replaces at commit, in any
process. When the time to live runs out the copy compares the stamp, one cache read, and
reloads only if it differs: other processes still see a change within `ttl` seconds, and an
unchanged table is not reloaded.
"""

import threading
import time
import uuid
from collections.abc import Callable

from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

DEFAULT_TTL_SECONDS = 5.0

_all: list["ProcessCache"] = []


class ProcessCache:
    def __init__(
        self,
        load: Callable[[], object],
        *,
        models: tuple,
        ttl: float = DEFAULT_TTL_SECONDS,
        stamp: str | None = None,
    ):
        self.load = load
        self.ttl = ttl
        self.stamp = stamp
        self._stamp_loaded = None  # the stamp read before the copy was loaded
        self._models = models
        self._lock = threading.Lock()
        self._value = None
        self._loaded_at: float | None = None
        # Threads with an uncommitted change to these rows.
        self._writers: set[int] = set()
        for model in models:
            post_save.connect(self._changed, sender=model, weak=False)
            post_delete.connect(self._changed, sender=model, weak=False)
        m2m_changed.connect(self._m2m_changed, weak=False)
        _all.append(self)

    def get(self):
        thread = threading.get_ident()
        if thread in self._writers:
            if connections[DEFAULT_DB_ALIAS].in_atomic_block:
                return self.load()  # this thread's own uncommitted rows: not for others
            self._writers.discard(thread)  # its transaction ended without a commit
            self.clear()
        with self._lock:
            loaded_at, value, stamp_loaded = self._loaded_at, self._value, self._stamp_loaded
        if loaded_at is not None and time.monotonic() - loaded_at < self.ttl:
            return value
        # Read before loading: a change committed meanwhile replaces it, and the next check
        # reloads.
        stamp = self._stamp_read() if self.stamp else None
        if loaded_at is not None and stamp is not None and stamp == stamp_loaded:
            with self._lock:
                if self._loaded_at == loaded_at:  # not cleared meanwhile
                    self._loaded_at = time.monotonic()
            return value
        value = self.load()
        with self._lock:
            self._value, self._loaded_at, self._stamp_loaded = value, time.monotonic(), stamp
        return value

    def clear(self) -> None:
        """Forget this process's copy (the stamp, shared, stays: see changed())."""
        with self._lock:
            self._value, self._loaded_at, self._stamp_loaded = None, None, None

    def changed(self, using=None) -> None:
        """These rows changed without a signal (QuerySet.update()): this process forgets its
        copy now, every process at commit."""
        self._changed(using=using)

    def _changed(self, using=None, **kwargs) -> None:
        using = using or DEFAULT_DB_ALIAS
        self.clear()
        if not connections[using].in_atomic_block:
            self._stamp_replace()
            return
        thread = threading.get_ident()
        self._writers.add(thread)

        def committed():
            self._writers.discard(thread)
            self.clear()
            self._stamp_replace()

        transaction.on_commit(committed, using=using)

    def _stamp_read(self) -> str:
        return caches["default"].get_or_set(self.stamp, _stamp_new, timeout=None)

    def _stamp_replace(self) -> None:
        if self.stamp:
            caches["default"].set(self.stamp, _stamp_new(), timeout=None)

    def _m2m_changed(self, sender, instance, using=None, **kwargs) -> None:
        if isinstance(instance, self._models):
            self._changed(using=using)


def _stamp_new() -> str:
    return uuid.uuid4().hex


def clear_all() -> None:
    """Forget every cached table (tests: a rolled-back transaction sends no signal)."""
    for cache in _all:
        cache.clear()
        cache._writers.clear()
