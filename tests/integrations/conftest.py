import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from integrations.models import WebhookEndpoint


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.DESTEK = {
        **settings.DESTEK,
        "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": True,  # the receiver below is on loopback
        "WEBHOOK_TIMEOUT_SECONDS": 2,
        "WEBHOOK_MAX_ATTEMPTS": 3,
        "WEBHOOK_BACKOFF_SECONDS": 30,
        "WEBHOOK_DISABLE_AFTER_FAILURES": 2,
    }


class Receiver:
    """A real HTTP server on loopback that records requests and answers with the queued
    statuses (then 200), optionally after a delay."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.always: int | None = None
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.always or (receiver.statuses.pop(0) if receiver.statuses else 200)
                answer = json.dumps({"received": True, "status": status}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/destek"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def bodies(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]


@pytest.fixture
def receiver():
    built = Receiver()
    built.thread.start()
    yield built
    built.server.shutdown()
    built.server.server_close()


@pytest.fixture
def endpoint_for(db):
    def build(url, events=("message.created",), **kwargs):
        return WebhookEndpoint.objects.create(
            name="CRM", url=url, events=list(events), secret="whsec_test", **kwargs
        )

    return build


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Throttle counts live in the cache, keyed by token id: ids repeat across tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
