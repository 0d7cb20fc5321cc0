"""Read marks of this process's sockets, written together.

A read mark is a small write that arrives with nearly every message (the other side reads it),
and each one on its own paid a hop to the database thread and a connection from the pool. Here
the marks that arrive while a write is under way wait for it and then go in one call (one
hop, one connection, each mark still its own forward-only UPDATE). A quiet process writes a
mark at once; a busy one writes more per call. Each socket still awaits its own mark, so its
frames stay in order.
"""

import asyncio
import weakref

from support import services as support_services

from .backlog import database_sync_to_async


class ReadMarkWriter:
    """One per event loop: the marks waiting (the newest per conversation and side) and the
    call writing the previous ones."""

    def __init__(self):
        # (conversation id, side) -> (contact id, up_to)
        self.pending: dict[tuple[int, str], tuple[int | None, int]] = {}
        self.written: asyncio.Future | None = None
        self.task: asyncio.Task | None = None

    async def write(
        self, *, conversation_id: int, contact_id: int | None, side: str, up_to: int
    ) -> int | None:
        """Write this mark with the others waiting; the mark stored (never past the newest
        message), or None when it did not move."""
        loop = asyncio.get_running_loop()
        key = (conversation_id, side)
        waiting = self.pending.get(key)
        if waiting is None or up_to > waiting[1]:
            self.pending[key] = (contact_id, up_to)
        if self.written is None:
            self.written = loop.create_future()
        written = self.written
        if self.task is None or self.task.done():
            self.task = loop.create_task(self._run())
        # Shielded: a socket closing while it waits does not cancel the others' write.
        return (await asyncio.shield(written)).get(key)

    async def _run(self) -> None:
        while self.pending:
            marks, self.pending = self.pending, {}
            written, self.written = self.written, None
            try:
                stored = await database_sync_to_async(support_services.conversation_marks_read)(
                    marks=[
                        {"conversation_id": c, "contact_id": contact, "side": s, "up_to": up_to}
                        for (c, s), (contact, up_to) in marks.items()
                    ]
                )
            except Exception as error:
                written.set_exception(error)
                written.exception()  # retrieved: the waiters raise it, none is left unread
                continue
            written.set_result(stored)


_writers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ReadMarkWriter]" = (
    weakref.WeakKeyDictionary()
)


def read_mark_writer() -> ReadMarkWriter:
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        writer = _writers[loop] = ReadMarkWriter()
    return writer
