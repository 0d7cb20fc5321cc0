"""Admission control for the sockets' database work (docs/operations.md, "Overload").

Every database call of the consumers runs on one thread per server process
(`database_sync_to_async` is thread-sensitive), and each consumer handles its frames one at a
time. Past what the process can do, calls queue on that thread without bound, every socket
waits behind them (its own frames and the live events for it too), and latency grows with the
queue. So the consumers count their calls here, queued and running, and refuse new work that
can be sent again (a visitor's `message.send`: `overloaded`) while the count is at the limit:
what is accepted stays fast, the rest comes back later.

The limit is the number of calls that fit in a wait budget at the recent time per call, at
most SOCKET_DB_BACKLOG_LIMIT: a call takes ~2-5 ms here on a quiet machine and 10-20 times
that when the cores are shared, so a fixed count would not bound the wait.
"""

import random
import time

from channels.db import DatabaseSyncToAsync
from django.conf import settings

# Work that can wait without the client sending it again (read marks, a ping's check for lost
# live events) waits from this share of the limit on, so it never takes a message's place.
PUT_OFF_SHARE = 0.5
# Weight of the newest call in the moving average of the time per call.
CALL_TIME_WEIGHT = 0.05


class Backlog:
    """Database calls of this process's consumers not finished yet (event loop thread only),
    and the recent time per call on the database thread."""

    def __init__(self):
        self.pending = 0
        self.call_seconds: float | None = None

    def limit(self) -> int:
        limit = settings.DESTEK["SOCKET_DB_BACKLOG_LIMIT"]
        if self.call_seconds:
            budget = settings.DESTEK["SOCKET_DB_WAIT_BUDGET_MS"] / 1000
            limit = min(limit, max(1, int(budget / self.call_seconds)))
        return limit

    def full(self, *, share: float = 1.0) -> bool:
        """At `share` of the limit or beyond (a limit of 0 turns admission control off)."""
        if not settings.DESTEK["SOCKET_DB_BACKLOG_LIMIT"]:
            return False
        return self.pending >= self.limit() * share

    def served(self, seconds: float) -> None:
        """A call took this long on the database thread (called there)."""
        average = self.call_seconds
        self.call_seconds = (
            seconds if average is None else average + (seconds - average) * CALL_TIME_WEIGHT
        )


backlog = Backlog()


class CountedDatabaseSyncToAsync(DatabaseSyncToAsync):
    """database_sync_to_async that counts the call in `backlog` until it ends, however it
    ends. A cancelled caller stops counting at once, even if its call has started on the
    thread: the count may read low for a moment, never high, so it cannot refuse forever."""

    async def __call__(self, *args, **kwargs):
        backlog.pending += 1
        try:
            return await super().__call__(*args, **kwargs)
        finally:
            backlog.pending -= 1

    def thread_handler(self, loop, *args, **kwargs):
        started = time.monotonic()
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            backlog.served(time.monotonic() - started)


database_sync_to_async = CountedDatabaseSyncToAsync


def retry_after_ms() -> int:
    """How long a refused client should wait: the configured wait spread ±50%, so that what
    was refused together does not come back together. Not longer while refusals repeat: the
    waiting clients' retries are what keeps the process busy once it has room again (a client
    sends one refused message at a time, so each waiting client costs one cheap frame a
    second at most)."""
    return round(settings.DESTEK["SOCKET_RETRY_AFTER_MS"] * random.uniform(0.5, 1.5))
