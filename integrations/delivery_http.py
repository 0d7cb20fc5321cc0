"""One webhook POST with a deadline over the whole attempt (no database here).

requests' timeouts bound each socket operation, not the request: a receiver that sends a
header line every 4 s, or its body a byte at a time, resets the read timeout with every
byte and held an attempt 40 s with a 10 s timeout. Here every socket of an attempt is
watched from the moment it exists (before the TLS handshake) and shut down when the
attempt's deadline passes, whatever is being read.
"""

import contextlib
import contextvars
import socket
import threading
import time

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

RESPONSE_EXCERPT_BYTES = 500


class DeadlineExceeded(Exception):
    pass


class _Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = False
        self._timers: list[threading.Timer] = []

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def watch(self, sock: socket.socket) -> None:
        timer = threading.Timer(self.remaining(), self._expire, args=(sock,))
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def _expire(self, sock: socket.socket) -> None:
        self.expired = True
        # The plain socket's shutdown, also for TLS (SSLSocket's own would drop its state
        # under the reading thread): the blocked read returns at once with an error.
        with contextlib.suppress(OSError):  # already closed
            socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def cancel(self) -> None:
        for timer in self._timers:
            timer.cancel()


_deadline: contextvars.ContextVar[_Deadline | None] = contextvars.ContextVar(
    "webhook_deadline", default=None
)


class _WatchedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        deadline = _deadline.get()
        if deadline is not None:
            deadline.watch(sock)
        return sock


class _WatchedHTTPSConnection(_WatchedHTTPConnection, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPPool,
            "https": _WatchedHTTPSPool,
        }


def post(*, url: str, body: bytes, headers: dict, deadline_seconds: float) -> tuple[int, str]:
    """POST `body`, no redirects (a redirect could lead anywhere); returns (status, the first
    RESPONSE_EXCERPT_BYTES of the answer). Raises DeadlineExceeded when the whole attempt
    (connect, TLS, headers, the excerpt) has not finished within `deadline_seconds`, and
    requests/urllib3 errors or OSError when the connection fails."""
    status_code, excerpt = post_read(
        url=url,
        body=body,
        headers=headers,
        deadline_seconds=deadline_seconds,
        read_bytes=RESPONSE_EXCERPT_BYTES,
    )
    return status_code, excerpt.decode("utf-8", "replace")


def post_read(
    *, url: str, body: bytes, headers: dict, deadline_seconds: float, read_bytes: int
) -> tuple[int, bytes]:
    """As post, with the first `read_bytes` bytes of the answer as they came (a caller that
    caps an answer's size asks for one byte more than it accepts)."""
    deadline = _Deadline(deadline_seconds)
    token = _deadline.set(deadline)
    session = requests.Session()
    session.mount("http://", _WatchedAdapter())
    session.mount("https://", _WatchedAdapter())
    try:
        with session.post(
            url,
            data=body,
            headers=headers,
            # Per operation; the deadline above bounds their sum.
            timeout=(min(deadline_seconds, 5), deadline_seconds),
            allow_redirects=False,
            stream=True,
        ) as response:
            excerpt = response.raw.read(read_bytes, decode_content=True) or b""
            if deadline.expired:
                raise DeadlineExceeded
            return response.status_code, excerpt
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError):
        if deadline.expired:
            raise DeadlineExceeded from None
        raise
    finally:
        deadline.cancel()
        session.close()
        _deadline.reset(token)
