"""chat.read_marks: the read marks that queue up while one is written go together."""

import asyncio
import threading

import pytest

from chat.read_marks import ReadMarkWriter
from support.services import ReadMark


class HeldWrites:
    """A stand-in for conversations_mark_read that records each call's marks and, while
    `hold` is clear, keeps the database thread busy (as a slow write would)."""

    def __init__(self):
        self.calls: list[list[ReadMark]] = []
        self.hold = threading.Event()
        self.hold.set()
        self.started = threading.Event()
        self.fail_next: Exception | None = None

    def __call__(self, *, marks):
        self.calls.append(list(marks))
        self.started.set()
        self.hold.wait(timeout=10)
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        return [mark.up_to * 10 for mark in marks]


def mark(conversation_id: int, up_to: int, side: str = "agent") -> ReadMark:
    return ReadMark(conversation_id, conversation_id + 100, side, up_to)


async def started(writes: HeldWrites) -> None:
    """Until the database thread is inside the first write."""
    await asyncio.to_thread(writes.started.wait, 10)


async def test_a_lone_mark_is_written_at_once_on_its_own():
    writes = HeldWrites()
    writer = ReadMarkWriter(writes)

    assert await writer.write(mark(1, 7)) == 70
    assert writes.calls == [[mark(1, 7)]]


async def test_marks_that_arrive_during_a_write_go_together_in_the_next_one():
    writes = HeldWrites()
    writes.hold.clear()
    writer = ReadMarkWriter(writes)

    first = asyncio.create_task(writer.write(mark(1, 7)))
    await started(writes)
    later = [asyncio.create_task(writer.write(mark(n, n))) for n in (3, 2, 4)]
    await asyncio.sleep(0.01)
    assert len(writes.calls) == 1  # the others wait behind the running write
    writes.hold.set()

    assert await first == 70
    assert await asyncio.gather(*later) == [30, 20, 40]  # each caller gets its own mark's
    assert writes.calls == [[mark(1, 7)], [mark(3, 3), mark(2, 2), mark(4, 4)]]


async def test_two_marks_on_one_conversation_and_side_are_written_as_the_further_one():
    """Two of a visitor's tabs report the same thread: one row update, both callers answered."""
    writes = HeldWrites()
    writes.hold.clear()
    writer = ReadMarkWriter(writes)
    blocking = asyncio.create_task(writer.write(mark(9, 1)))
    await started(writes)

    near = asyncio.create_task(writer.write(mark(5, 3, side="visitor")))
    far = asyncio.create_task(writer.write(mark(5, 8, side="visitor")))
    other_side = asyncio.create_task(writer.write(mark(5, 2, side="agent")))
    await asyncio.sleep(0.01)
    writes.hold.set()

    assert await asyncio.gather(blocking, near, far, other_side) == [10, 80, 80, 20]
    assert writes.calls[1] == [mark(5, 8, side="visitor"), mark(5, 2, side="agent")]


async def test_a_failed_write_reaches_its_own_callers_and_the_next_batch_is_written():
    writes = HeldWrites()
    writes.hold.clear()
    writer = ReadMarkWriter(writes)
    writes.fail_next = RuntimeError("database gone")
    failing = asyncio.create_task(writer.write(mark(1, 1)))
    await started(writes)
    next_batch = asyncio.create_task(writer.write(mark(2, 2)))
    await asyncio.sleep(0.01)
    writes.hold.set()

    with pytest.raises(RuntimeError, match="database gone"):
        await failing
    assert await next_batch == 20
    assert await writer.write(mark(3, 3)) == 30  # and the writer goes on


async def test_a_caller_that_goes_away_leaves_the_batch_and_the_others_alone():
    """A socket closed while its mark waits: the mark is still written, and a merged caller
    still gets the result."""
    writes = HeldWrites()
    writes.hold.clear()
    writer = ReadMarkWriter(writes)
    blocking = asyncio.create_task(writer.write(mark(9, 1)))
    await started(writes)
    leaving = asyncio.create_task(writer.write(mark(5, 4)))
    staying = asyncio.create_task(writer.write(mark(5, 4)))
    await asyncio.sleep(0.01)
    leaving.cancel()
    writes.hold.set()

    assert await staying == 40
    assert await blocking == 10
    assert leaving.cancelled()
    assert writes.calls[1] == [mark(5, 4)]


def test_a_new_event_loop_starts_from_nothing():
    """Tests (and a restarted loop) run one event loop after another: marks left waiting on
    an old loop neither block nor leak into the next."""
    writes = HeldWrites()
    writer = ReadMarkWriter(writes)
    writer.waiting = {(1, "agent"): (mark(1, 1), None)}
    writer.writing = True  # as a loop closed mid-write would leave it

    assert asyncio.run(writer.write(mark(2, 2))) == 20
    assert writes.calls == [[mark(2, 2)]]
