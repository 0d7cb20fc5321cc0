"""The webhook timeout is a deadline over the whole attempt (integrations/delivery_http.py),
against a real local server that trickles its answer: one header line a second, or the body a
byte at a time. requests' per-read timeout alone never trips on either."""

import socket
import threading
import time

import pytest

from integrations import services
from integrations.models import WebhookAttempt, WebhookDelivery

pytestmark = pytest.mark.django_db


class TricklingServer:
    """Accepts one connection at a time, reads the request, then sends the status line and
    `trickle` pieces one every `every` seconds until the client goes away."""

    def __init__(self, trickle: list[bytes], every: float = 1.0):
        self.trickle, self.every = trickle, every
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/hook"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        self.listener.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _address = self.listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    conn.recv(65536)
                    conn.sendall(b"HTTP/1.1 200 OK\r\n")
                    for piece in self.trickle:
                        if self.stop.wait(self.every):
                            return
                        conn.sendall(piece)
                except OSError:
                    continue  # the client hung up: what the deadline does

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5)
        self.listener.close()


HEADER_TRICKLE = [f"X-Trickle-{n}: {n}\r\n".encode() for n in range(60)]
BODY_TRICKLE = [b"Content-Length: 100\r\n\r\n"] + [b"x"] * 99


@pytest.mark.parametrize("trickle", [HEADER_TRICKLE, BODY_TRICKLE], ids=["headers", "body"])
def test_a_trickling_receiver_is_cut_off_at_the_deadline(endpoint_for, settings, trickle):
    settings.DESTEK = {**settings.DESTEK, "WEBHOOK_TIMEOUT_SECONDS": 2.5}
    server = TricklingServer(trickle, every=1.0)
    try:
        endpoint = endpoint_for(server.url, events=["contact.updated"])
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event="contact.updated", payload={}
        )
        started = time.monotonic()
        retry_in = services.webhook_delivery_attempt(delivery_id=delivery.pk)
        elapsed = time.monotonic() - started
    finally:
        server.close()
    # Each piece came within the per-read timeout: only the deadline ends it, at 2.5 s.
    assert 2.4 <= elapsed < 3.5
    assert retry_in == 30
    attempt = WebhookAttempt.objects.get()
    assert not attempt.succeeded
    assert attempt.status_code is None
    assert attempt.error == "Timeout: no complete answer within 2.5 s."


def test_a_prompt_receiver_is_not_affected_by_the_deadline(receiver, endpoint_for):
    endpoint = endpoint_for(receiver.url, events=["contact.updated"])
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="contact.updated", payload={}
    )
    assert services.webhook_delivery_attempt(delivery_id=delivery.pk) is None
    attempt = WebhookAttempt.objects.get()
    assert (attempt.succeeded, attempt.status_code) == (True, 200)
    assert '"received": true' in attempt.response_excerpt
