"""The webhook timeout is a deadline over the whole attempt (integrations/delivery_http.py),
against a real local server that trickles its answer: one header line a second, or the body a
byte at a time. requests' per-read timeout alone never trips on either. And without a broker
no attempt runs inside the request that caused it (integrations/tasks.py, support/scheduler.py)."""

import asyncio
import json
import socket
import threading
import time

import pytest
from celery import Celery

from integrations import services, tasks
from integrations.models import WebhookAttempt, WebhookDelivery
from tests import factories

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


# --- Without a broker, no attempt runs inside a request --------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_visitors_request_never_waits_for_a_webhook_in_eager_mode(
    client, receiver, endpoint_for, settings
):
    """Eager Celery (`make run`, the tests) used to run each attempt and its retries inside the
    request that caused the event: a visitor's `POST conversations` took 80 s on a slow
    receiver. Now the request only records the deliveries (committed for real here, so
    on_commit runs as in production) and the in-process sweep sends them."""
    assert settings.CELERY_TASK_ALWAYS_EAGER
    receiver.delay = 1.5  # each answer
    endpoint_for(receiver.url, events=["conversation.created", "message.created"])
    _contact, token = factories.visitor()

    started = time.monotonic()
    response = client.post(
        "/api/widget/v1/conversations",
        json.dumps({"body": "Where is my order?", "client_id": "c-1"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    elapsed = time.monotonic() - started

    assert response.status_code == 201
    assert elapsed < 1.0  # two deliveries at 1.5 s each would be 3 s
    assert receiver.requests == []
    pending = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING)
    assert sorted(pending.values_list("event", flat=True)) == [
        "conversation.created",
        "message.created",
    ]
    # What support/scheduler.py runs every 2 s in `make run`, in a thread of its own.
    tasks.webhook_sweep.apply()
    assert sorted(body["type"] for body in receiver.bodies()) == [
        "conversation.created",
        "message.created",
    ]
    assert not pending.exists()


def test_the_webhook_sweep_runs_in_process_only_without_a_broker():
    from config.celery import IN_PROCESS_SCHEDULE, app
    from support import scheduler

    beat = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "integrations.tasks.webhook_sweep" not in beat  # a worker gets one task each
    background = scheduler.interval_tasks(IN_PROCESS_SCHEDULE)
    assert background == {"integrations.tasks.webhook_sweep": 2.0}


async def test_the_scheduler_runs_background_tasks_off_the_sync_thread(monkeypatch):
    """A slow background task (a webhook sweep waiting on a receiver) neither holds Django's
    sync thread, where views run, nor runs twice at once."""
    from asgiref.sync import sync_to_async

    from support import scheduler

    release = threading.Event()
    runs, threads = [], set()

    def run_task(app, name):
        runs.append(name)
        threads.add(threading.get_ident())
        if name == "t.background":
            release.wait(5)

    app = Celery("in-process", set_as_current=False)
    app.conf.beat_schedule = {"sweep": {"task": "t.sweep", "schedule": 0.05}}
    background = {"background": {"task": "t.background", "schedule": 0.05}}
    monkeypatch.setattr(scheduler, "_run_task", run_task)
    task = asyncio.ensure_future(scheduler.run_sweeps(app, background, tick=0.01))
    # Until the sweeps have run three times while the background task still holds (a loaded
    # machine may need more than a few ticks), at most 4 s.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 4
    while runs.count("t.sweep") < 3 and loop.time() < deadline:
        await asyncio.sleep(0.05)
    sync_thread = await sync_to_async(threading.get_ident)()
    release.set()
    task.cancel()

    assert runs.count("t.background") == 1  # still running: not started again
    assert runs.count("t.sweep") >= 3  # the sweeps went on meanwhile
    assert len(threads) == 2 and sync_thread in threads


def test_one_broken_delivery_does_not_hold_up_the_sweep(receiver, endpoint_for):
    endpoint = endpoint_for(receiver.url, events=["contact.updated"])
    # A header value http.client cannot encode (latin-1): the attempt raises, as a worker's
    # task would fail; the sweep logs it and sends the next one.
    broken = WebhookDelivery.objects.create(endpoint=endpoint, event="contact.ğ", payload={})
    fine = WebhookDelivery.objects.create(endpoint=endpoint, event="contact.updated", payload={})
    assert services.webhook_deliveries_send_due() == 2
    fine.refresh_from_db()
    broken.refresh_from_db()
    assert fine.status == WebhookDelivery.Status.SUCCEEDED
    assert broken.status == WebhookDelivery.Status.PENDING
    assert len(receiver.requests) == 1
