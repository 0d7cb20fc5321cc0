"""Inbox rows a console socket sends together: the newest state of each row, at most one frame
per BATCH_SECONDS, however many messages arrive (ConsoleConsumer.console_inbox_row)."""

import asyncio
from collections.abc import Awaitable, Callable

# How long a row waits for others to go out with it.
BATCH_SECONDS = 0.25


class InboxBatch:
    # One per console socket, for its life.
    __slots__ = ("pending", "send", "task")

    def __init__(self, send: Callable[[str], Awaitable[None]]):
        self.send = send
        # conversation id -> its fragments, in the order the rows last changed.
        self.pending: dict[int, str] = {}
        self.task: asyncio.Task | None = None

    def add(self, conversation_id: int, html: str) -> None:
        """The newest state of a row: replaces what waited for it."""
        self.pending.pop(conversation_id, None)
        self.pending[conversation_id] = html
        self._schedule()

    def append(self, conversation_id: int, html: str) -> None:
        """After what waits for this row (a read mark after the row it clears)."""
        self.add(conversation_id, self.pending.pop(conversation_id, "") + html)

    def drop(self, conversation_id: int) -> None:
        """A newer state of this row went out at once: what waited for it is stale."""
        self.pending.pop(conversation_id, None)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _schedule(self) -> None:
        if self.task is None:
            self.task = asyncio.ensure_future(self._send_later())

    async def _send_later(self) -> None:
        await asyncio.sleep(BATCH_SECONDS)
        self.task = None
        batch, self.pending = self.pending, {}
        if batch:
            await self.send("".join(batch.values()))
