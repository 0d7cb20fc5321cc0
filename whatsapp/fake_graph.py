"""A local stand-in for the WhatsApp Cloud API, speaking its documented shapes: for the
tests and for the demo (a first look sees replies "delivered" with no Meta account).

    graph = FakeGraph(token="t").start()      # settings.WHATSAPP_GRAPH_URL = graph.url
    graph.media["m1"] = (b"...", "image/png")  # what GET /m1 and its url hand out
    graph.fail_next(429, code=130429)          # the next send is answered so
    graph.sent                                 # the JSON bodies of POST /{id}/messages

It keeps everything in memory and never calls anyone.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count


class FakeGraph:
    def __init__(self, *, token: str):
        self.token = token
        self.sent: list[dict] = []
        self.uploads: list[dict] = []
        self.media: dict[str, tuple[bytes, str]] = {}
        self._failures: list[tuple[int, int | None]] = []
        self._ids = count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v21.0"

    def fail_next(self, status: int, *, code: int | None = None, times: int = 1) -> None:
        with self._lock:
            self._failures += [(status, code)] * times

    def start(self) -> "FakeGraph":
        graph = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                graph._get(self)

            def do_POST(self):
                graph._post(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # The API -----------------------------------------------------------------------------

    def _answer(self, handler, status: int, body) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header(
            "Content-Type",
            "application/octet-stream" if isinstance(body, bytes) else "application/json",
        )
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _error(self, handler, status: int, code: int | None, message: str) -> None:
        self._answer(
            handler,
            status,
            {
                "error": {
                    "message": message,
                    "type": "OAuthException",
                    "code": code or status,
                    "fbtrace_id": "AbCdEf",
                }
            },
        )

    def _authorised(self, handler) -> bool:
        if handler.headers.get("Authorization") == f"Bearer {self.token}":
            return True
        self._error(handler, 401, 190, "Invalid OAuth access token - Cannot parse access token")
        return False

    def _get(self, handler) -> None:
        if not self._authorised(handler):
            return
        parts = handler.path.strip("/").split("/")
        if len(parts) == 3 and parts[1] == "download" and parts[2] in self.media:
            self._answer(handler, 200, self.media[parts[2]][0])
            return
        if len(parts) == 2 and parts[1] in self.media:
            content, content_type = self.media[parts[1]]
            self._answer(
                handler,
                200,
                {
                    "messaging_product": "whatsapp",
                    "url": f"{self.url}/download/{parts[1]}",
                    "mime_type": content_type,
                    "file_size": len(content),
                    "id": parts[1],
                },
            )
            return
        self._error(handler, 404, 100, "Unsupported get request.")

    def _post(self, handler) -> None:
        if not self._authorised(handler):
            return
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length)
        parts = handler.path.strip("/").split("/")
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            status, code = failure
            self._error(
                handler,
                status,
                code,
                "(#130429) Rate limit hit" if status == 429 else "Service unavailable",
            )
            return
        if len(parts) == 3 and parts[2] == "media":
            media_id = f"upload{next(self._ids)}"
            with self._lock:
                self.uploads.append({"phone_number_id": parts[1], "id": media_id, "size": len(raw)})
            self._answer(handler, 200, {"id": media_id})
            return
        if len(parts) == 3 and parts[2] == "messages":
            try:
                body = json.loads(raw)
            except ValueError:
                self._error(handler, 400, 100, "Invalid JSON")
                return
            wamid = f"wamid.FAKE{next(self._ids):06d}"
            with self._lock:
                self.sent.append({"phone_number_id": parts[1], "wamid": wamid, **body})
            self._answer(
                handler,
                200,
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                    "messages": [{"id": wamid}],
                },
            )
            return
        self._error(handler, 404, 100, "Unknown path")
