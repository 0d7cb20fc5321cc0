"""The bound on image decoding and re-encoding: a few at a time per process.

Decoding a large image costs far more memory and CPU than its bytes suggest (a 6 MB JPEG of
6300×6300 is 119 MB of pixels), so eight uploads at once could take gigabytes and both cores.
Every image goes through `run`, which takes one of IMAGE_WORK_SLOTS slots shared by every
thread of the process and waits at most IMAGE_WORK_WAIT_SECONDS for one; after that the upload
is refused with 503 `busy` and a Retry-After instead of queueing without end.

The work runs on the caller's thread, never on an event loop: the upload views are sync views,
and under ASGI Django runs each request's sync code on that request's own thread (its
ThreadSensitiveContext), so an upload waiting here or decoding holds up no other request
(tests/chat/test_image_uploads.py drives that through config.asgi). Pillow releases the GIL
while it decodes, resizes and encodes.
"""

import threading
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from support import errors

RETRY_AFTER_SECONDS = 5


@dataclass
class Pool:
    size: int
    slots: threading.BoundedSemaphore = field(init=False)

    def __post_init__(self):
        self.slots = threading.BoundedSemaphore(self.size)


_lock = threading.Lock()
_pool: Pool | None = None


def pool() -> Pool:
    """This process's slots, IMAGE_WORK_SLOTS of them (made again if the setting changed)."""
    global _pool
    size = max(1, settings.DESTEK["IMAGE_WORK_SLOTS"])
    with _lock:
        if _pool is None or _pool.size != size:
            _pool = Pool(size)
        return _pool


def busy() -> errors.Busy:
    return errors.Busy(
        _("The server is busy with other images; try again in a few seconds."),
        code="busy",
        retry_after=RETRY_AFTER_SECONDS,
    )


def run(function, /, **kwargs):
    """`function(**kwargs)` on this thread once a slot is free; Busy if none frees in time."""
    current = pool()
    if not current.slots.acquire(timeout=max(0.0, settings.DESTEK["IMAGE_WORK_WAIT_SECONDS"])):
        raise busy()
    try:
        return function(**kwargs)
    finally:
        current.slots.release()
