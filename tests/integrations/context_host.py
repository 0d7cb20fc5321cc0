"""A host app on loopback for the context-card tests (integrations/context_cards.py)."""

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from integrations.context_cards import context_signature_is_valid

SECRET = "widget-secret-1"
ANSWER = {
    "cards": [
        {
            "type": "orders",
            "title": "Recent orders",
            "orders": [
                {
                    "number": "1042",
                    "status": "On the way",
                    "total": "185.00",
                    "currency": "TRY",
                    "date": "2026-12-01T12:00:00Z",
                    "url": "https://shop.example.com/orders/1042",
                    "items": [{"name": "Simit", "quantity": 2}],
                }
            ],
        },
        {"type": "fields", "title": "Account", "fields": [{"label": "Plan", "value": "Gold"}]},
    ]
}


class HostServer:
    """A host app on loopback: checks each request's signature like a real host, records it,
    and answers as told (status, body, delay, extra headers)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        self.body: bytes = json.dumps(ANSWER).encode()
        self.delay = 0.0
        self.headers: dict = {}
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                host.requests.append(
                    {
                        "path": self.path,
                        "language": self.headers.get("Accept-Language"),
                        "body": body,
                        "valid": context_signature_is_valid(
                            secret=SECRET,
                            timestamp=self.headers.get("X-Destek-Timestamp"),
                            body=body,
                            header=self.headers.get("X-Destek-Signature"),
                            now=time.time(),
                        ),
                    }
                )
                if host.delay:
                    time.sleep(host.delay)
                self.send_response(host.status)
                for name, value in host.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(host.body)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (the deadline)
                    self.wfile.write(host.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/destek/context"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
