"""Read marks of a server process's sockets, written together.

The widget and the console send a read mark for every message from the other side they show:
as many database calls as messages, each a hop to the process's one database thread
(chat/backlog.py) and a publish. Under load they queue on that thread behind the messages. So
the marks that arrive while one write is queued or running go together in the next one: one
call, one transaction, one publish (support.services.conversations_mark_read). Alone, a mark is
written at once, as before.
"""

import asyncio
from collections.abc import Callable

from support import services as support_services
from support.services import ReadMark

from .backlog import database_sync_to_async


class ReadMarkWriter:
    """Event loop thread only. A caller waits for its own mark's result (the new mark or None)
    or the batch's error; a caller that goes away (its socket closed) leaves the batch alone."""

    def __init__(self, write_many: Callable[..., list[int | None]]):
        self.write_many = write_many
        self.loop: asyncio.AbstractEventLoop | None = None
        self.waiting: dict[tuple[int, str], tuple[ReadMark, asyncio.Future]] = {}
        self.writing = False
        self.task: asyncio.Task | None = None  # the loop keeps only a weak reference

    async def write(self, mark: ReadMark) -> int | None:
        loop = asyncio.get_running_loop()
        if loop is not self.loop:
            # A new event loop (tests run one per test): what the old one left is gone with it.
            self.loop, self.waiting, self.writing, self.task = loop, {}, False, None
        key = (mark.conversation_id, mark.side)
        queued = self.waiting.get(key)
        if queued is None:
            future = loop.create_future()
            self.waiting[key] = (mark, future)
        else:
            # Two of a visitor's tabs, or a mark sent again: the furthest one covers both.
            earlier, future = queued
            if mark.up_to > earlier.up_to:
                self.waiting[key] = (mark, future)
        if not self.writing:
            self.writing = True
            self.task = loop.create_task(self._write_waiting())
        return await asyncio.shield(future)

    async def _write_waiting(self) -> None:
        try:
            while self.waiting:
                batch, self.waiting = list(self.waiting.values()), {}
                try:
                    results = await database_sync_to_async(self.write_many)(
                        marks=[mark for mark, _ in batch]
                    )
                except Exception as error:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                            future.exception()  # not logged as unretrieved if its caller left
                else:
                    for (_, future), result in zip(batch, results, strict=True):
                        if not future.done():
                            future.set_result(result)
        finally:
            self.writing = False


# Looked up at each call, so that tests may replace the service.
read_mark_writer = ReadMarkWriter(
    lambda **kwargs: support_services.conversations_mark_read(**kwargs)
)
