"""Fault-test tools: a private Redis, a TCP proxy that can cut PostgreSQL off, and a visitor
and an agent that behave like the real clients (resume by message id, retry by client id)."""

import asyncio
import contextlib
import http.cookiejar
import json
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import websockets

from tests.stack import free_port, wait_for_port


class PrivateRedis:
    """A redis-server of our own (never the shared one), restartable on the same port."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, process=self.process)

    def stop(self):
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


class CuttableProxy:
    """A TCP proxy to PostgreSQL; `cut()` drops every connection and refuses new ones until
    `restore()`, like a database restart or a network blip."""

    def __init__(self, target_port: int = 5432):
        self.target_port = target_port
        self.port = free_port()
        self.cut_off = threading.Event()
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _addr = self.listener.accept()
            except OSError:
                return
            if self.cut_off.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            with self.lock:
                self.sockets -= {source, sink}

    def cut(self):
        self.cut_off.set()
        with self.lock:
            for s in list(self.sockets):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def restore(self):
        self.cut_off.clear()

    def close(self):
        self.cut()
        self.listener.close()


def http_json(base: str, method: str, path: str, body=None, token=None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310 - loopback
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {}


class Visitor:
    """The widget's behaviour: one socket, resubscribe with after=<newest id> on every
    reconnect, keep unacknowledged sends in an outbox and send them again (same client id)."""

    def __init__(self, ports: list[int], token: str, conversation: int):
        self.ports = list(ports)
        self.token = token
        self.conversation = conversation
        self.received: dict[int, dict] = {}
        self.outbox: dict[str, str] = {}
        self.ws = None
        self.reconnects = 0
        self.stopped = False
        self.frames_seen: list[int] = []  # message ids in arrival order (duplicates kept)
        self.sends: Counter[str] = Counter()  # message.send frames written, per client id

    @property
    def max_id(self) -> int:
        return max(self.received, default=0)

    async def run(self):
        attempt = 0
        while not self.stopped:
            port = self.ports[attempt % len(self.ports)]
            try:
                async with websockets.connect(
                    f"ws://127.0.0.1:{port}/ws/widget/", open_timeout=3, close_timeout=1
                ) as ws:
                    await ws.send(json.dumps({"type": "auth", "visitor_token": self.token}))
                    json.loads(await asyncio.wait_for(ws.recv(), 5))
                    await ws.send(
                        json.dumps(
                            {
                                "type": "subscribe",
                                "conversation": self.conversation,
                                "after": self.max_id,
                            }
                        )
                    )
                    self.ws = ws
                    await self.flush()
                    async for raw in ws:
                        self.on_frame(json.loads(raw))
            except (OSError, TimeoutError, websockets.WebSocketException, ValueError):
                pass
            self.ws = None
            if not self.stopped:
                self.reconnects += 1
                attempt += 1
                await asyncio.sleep(0.3)

    async def ping_forever(self, every: float = 1.5):
        """The widget pings every 25 s; the test more often, to stay short. At each ping the
        server sends messages whose live event never reached this socket."""
        while not self.stopped:
            await asyncio.sleep(every)
            if self.ws is not None:
                with contextlib.suppress(websockets.WebSocketException):
                    await self.ws.send(json.dumps({"type": "ping"}))

    def on_frame(self, frame: dict):
        if frame.get("type") == "message.new":
            message = frame["message"]
            if message["conversation"] != self.conversation:
                return
            self.frames_seen.append(message["id"])
            self.received[message["id"]] = message
            self.outbox.pop(message.get("client_id") or "", None)

    async def flush(self):
        for client_id, body in list(self.outbox.items()):
            if self.ws is None:
                return
            self.sends[client_id] += 1
            with contextlib.suppress(websockets.WebSocketException):
                await self.ws.send(
                    json.dumps(
                        {
                            "type": "message.send",
                            "conversation": self.conversation,
                            "client_id": client_id,
                            "body": body,
                        }
                    )
                )

    async def send(self, client_id: str, body: str):
        self.outbox[client_id] = body
        await self.flush()

    async def resend_forever(self):
        while not self.stopped:
            await asyncio.sleep(1.0)
            await self.flush()

    def client_ids(self) -> set[str]:
        return {m["client_id"] for m in self.received.values() if m.get("client_id")}


class Agent:
    """The console's composer over HTTP: signed in, CSRF token, retried with one client id."""

    def __init__(self, ports: list[int], username: str, password: str):
        self.ports = list(ports)
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = ""
        self.sign_in(username, password)

    def base(self) -> str:
        return f"http://127.0.0.1:{self.ports[0]}"

    def _cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def sign_in(self, username: str, password: str):
        self.opener.open(self.base() + "/console/login/", timeout=10).read()
        self.csrf = self._cookie("csrftoken")
        data = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": self.csrf}
        ).encode()
        request = urllib.request.Request(self.base() + "/console/login/", data=data)  # noqa: S310 - loopback
        request.add_header("Referer", self.base() + "/console/login/")
        self.opener.open(request, timeout=10).read()
        self.csrf = self._cookie("csrftoken")
        assert self._cookie("sessionid"), "the agent could not sign in"

    def send(self, conversation: int, client_id: str, body: str, *, deadline: float) -> int:
        """POST until the server takes it (retries are safe: same client id). Tries made."""
        tries = 0
        while time.monotonic() < deadline:
            tries += 1
            for port in list(self.ports):
                base = f"http://127.0.0.1:{port}"
                data = urllib.parse.urlencode({"body": body, "client_id": client_id}).encode()
                request = urllib.request.Request(  # noqa: S310 - loopback
                    f"{base}/console/conversations/{conversation}/messages", data=data
                )
                request.add_header("X-CSRFToken", self.csrf)
                request.add_header("HX-Request", "true")
                request.add_header("Referer", base + "/console/")
                try:
                    with self.opener.open(request, timeout=10) as response:
                        if response.status in (200, 204):
                            return tries
                except (urllib.error.URLError, OSError, TimeoutError):
                    continue
            time.sleep(0.3)
        raise TimeoutError(f"agent message {client_id} was never accepted")
