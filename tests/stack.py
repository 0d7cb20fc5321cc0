"""Run the real stack in subprocesses for black-box tests: a fresh database, migrations,
demo data, and one or more web processes on loopback ports, each started by the Procfile's
`web` line, as in production.

On CI (DATABASE_URL/REDIS_URL set) the processes share a throwaway PostgreSQL database and
Redis, as in production; locally they share a SQLite file and, with one process, the
in-memory channel layer.
"""

import http.cookiejar
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


# For `Stack.manage("shell", "-c", …)`: the demo "general" team (topic "order") opens only
# three days from now, so it is closed whenever the test runs, and no widget has the bot: the
# visitor's first message gets the out-of-hours auto-reply, a Celery task.
CLOSE_GENERAL_TEAM = """
import datetime
from support.models import BusinessHoursInterval, Team, Widget
team = Team.objects.get(slug="general")
team.hours.all().delete()
BusinessHoursInterval.objects.create(
    team=team,
    weekday=(datetime.date.today().weekday() + 3) % 7,
    opens_at=datetime.time(9),
    closes_at=datetime.time(10),
)
Widget.objects.update(bot_enabled=False)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 30.0, process=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited early with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}")


def procfile_command(process: str) -> str:
    """A process's command line in the Procfile (the production layout)."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() == process and not line.startswith("#"):
            return command.strip()
    raise LookupError(f"no {process!r} process in the Procfile")


class Stack:
    def __init__(self, tmp_dir: Path):
        self.tmp_dir = tmp_dir
        self.name = f"destek_stack_{uuid.uuid4().hex[:10]}"
        self.admin_url = os.environ.get("DATABASE_URL", "")
        # What the processes need, set here rather than inherited from the test run (whose
        # DJANGO_SETTINGS_MODULE is tests.settings): the project's settings, their own key,
        # DEBUG for static files served by the web process itself (no nginx in front), and
        # the demo, whose shop the browser tests use.
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "stack-" + secrets.token_urlsafe(48),
            "DEBUG": "1",
            "DESTEK_DEMO": "1",
            "MEDIA_ROOT": str(tmp_dir / "media"),
            "CHANNEL_LAYER_PREFIX": self.name,
            "CELERY_QUEUE": self.name,
            "PYTHONUNBUFFERED": "1",
        }
        if self.admin_url:
            parts = urlsplit(self.admin_url)
            self.env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{self.name}"))
        else:
            self.env["DATABASE_URL"] = f"sqlite:///{tmp_dir / 'stack.sqlite3'}"
        self.servers: dict[int, subprocess.Popen] = {}

    def _admin_sql(self, sql: str) -> None:
        import psycopg

        # The maintenance database: the one DATABASE_URL names may not exist (tests use test_*).
        maintenance = urlunsplit(urlsplit(self.admin_url)._replace(path="/postgres"))
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(sql)

    def setup(self, *, copy_of: "Stack | None" = None) -> None:
        """Migrate and seed the demo, or copy a stack that did (`copy_of`, never started):
        a database copy takes a fraction of the time of migrating and seeding again."""
        if copy_of is None:
            if self.admin_url:
                self._admin_sql(f'CREATE DATABASE "{self.name}"')
            self.manage("migrate", "--noinput", "-v0")
            self.manage("seed_demo")
        elif self.admin_url:
            self._admin_sql(f'CREATE DATABASE "{self.name}" TEMPLATE "{copy_of.name}"')
        else:
            shutil.copyfile(copy_of.tmp_dir / "stack.sqlite3", self.tmp_dir / "stack.sqlite3")

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def start_server(self, port: int | None = None) -> int:
        port = port or free_port()
        log = open(self.tmp_dir / f"web-{port}.log", "ab")  # noqa: SIM115 - closed with the process
        # exec: the shell becomes the server, so a kill reaches the server itself.
        process = subprocess.Popen(
            ["/bin/sh", "-c", f"exec {procfile_command('web')}"],
            cwd=ROOT,
            env={
                **self.env,
                "PORT": str(port),
                "BIND_ADDRESS": "127.0.0.1",
                "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(port, process=process)
        self.servers[port] = process
        return port

    def kill_server(self, port: int) -> None:
        """An abrupt stop: the kernel resets every open socket, as in a crash."""
        process = self.servers.pop(port)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for port in list(self.servers):
            process = self.servers.pop(port)
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.admin_url:
            self._admin_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    @contextmanager
    def celery_worker(self, *pool_args: str) -> Iterator[Path]:
        """A real Celery worker on this stack (its env: database, Redis, queue), started and
        waited for; yields its log file. `pool_args`, e.g. "--pool=solo"."""
        log_path = self.tmp_dir / "worker.log"
        log = open(log_path, "wb")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker", *pool_args),
                *("--without-gossip", "--without-mingle", "--loglevel=INFO"),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while b" ready." not in log_path.read_bytes():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the worker did not start:\n{log_path.read_text()}")
                time.sleep(0.2)
            yield log_path
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()

    def log(self, port: int) -> str:
        path = self.tmp_dir / f"web-{port}.log"
        return path.read_text(errors="replace") if path.exists() else ""


# --- clients of a running stack: the widget API and a logged-in console, over plain HTTP ------


def widget_post(port: int, path: str, data: dict, token: str = "") -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/widget/v1/{path}",
        data=json.dumps(data).encode(),
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {token}"} if token else {}),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class ConsoleSession:
    """An agent logged in through the real login form: the cookies a browser would hold."""

    def __init__(self, port: int, username: str, password: str):
        self.port = port
        self.jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        self.opener = opener
        opener.open(self.url("/console/login/"), timeout=15).read()
        form = urlencode(
            {
                "csrfmiddlewaretoken": self.cookie("csrftoken"),
                "username": username,
                "password": password,
                "next": "/console/",
            }
        ).encode()
        try:
            opener.open(self.url("/console/login/"), data=form, timeout=15)
        except urllib.error.HTTPError as redirect:
            if redirect.code != 302:
                raise
        if not self.cookie("sessionid"):
            raise RuntimeError(f"could not log in as {username}")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def reply(self, conversation_id: int, body: str, client_id: str) -> int:
        """The console composer's HTMX POST; returns the HTTP status (204 when stored)."""
        request = urllib.request.Request(  # noqa: S310 - loopback
            self.url(f"/console/conversations/{conversation_id}/messages"),
            data=urlencode({"body": body, "client_id": client_id}).encode(),
            headers={"X-CSRFToken": self.cookie("csrftoken"), "HX-Request": "true"},
            method="POST",
        )
        with self.opener.open(request, timeout=15) as response:
            return response.status


def receive_until(socket, predicate, timeout: float = 15) -> str:
    """Frames from a websockets sync client until one matches; fails after `timeout`."""
    deadline = time.monotonic() + timeout
    seen = []
    while (remaining := deadline - time.monotonic()) > 0:
        data = socket.recv(timeout=remaining)
        seen.append(data)
        if predicate(data):
            return data
    raise AssertionError(f"not received within {timeout} s; last frames: {seen[-5:]}")


def chat_round_trip(
    *, visitor_port: int, agent_port: int, topic: str | None = None, on_visitor_socket=None
) -> int:
    """A visitor on one server, an agent (console socket and HTTP) on another: a message each
    way, over the real protocol. Returns the conversation id. `on_visitor_socket(socket, id)`
    runs with the visitor's socket still open (to wait for more frames)."""
    from websockets.sync.client import connect

    token = widget_post(visitor_port, "session", {"widget_key": "demo", "locale": "en"})[
        "visitor_token"
    ]
    start = {"body": "Hello from the visitor", "client_id": "first"}
    if topic:
        start["topic"] = topic
    conversation_id = widget_post(visitor_port, "conversations", start, token)["id"]
    agent = ConsoleSession(agent_port, "agent", "agent-demo-123")

    with (
        connect(f"ws://127.0.0.1:{visitor_port}/ws/widget/") as visitor,
        connect(
            f"ws://127.0.0.1:{agent_port}/ws/console/",
            additional_headers={"Cookie": agent.cookie_header()},
        ) as console,
    ):
        # The client offers permessage-deflate, as browsers do; the Procfile's web line declines
        # it (a compressor per open socket doubles its memory: docs/deploy.md).
        assert visitor.protocol.extensions == []
        visitor.send(json.dumps({"type": "auth", "visitor_token": token}))
        assert json.loads(visitor.recv(timeout=10))["type"] == "auth.ok"
        visitor.send(json.dumps({"type": "subscribe", "conversation": conversation_id}))
        receive_until(visitor, lambda data: json.loads(data)["type"] == "subscribed")
        console.send(json.dumps({"type": "watch", "conversation": conversation_id}))
        console.send(json.dumps({"type": "ping"}))  # frames run in order: pong after the watch
        receive_until(console, lambda data: "pong" in data)

        # Visitor to agent: through the channel layer from one process to the other.
        frame = {"conversation": conversation_id, "body": "crossing-to-agent", "client_id": "v-1"}
        visitor.send(json.dumps({"type": "message.send", **frame}))
        fragment = receive_until(
            console, lambda data: "crossing-to-agent" in data and "#message-list" in data
        )
        assert 'id="message-' in fragment

        # Agent to visitor: the console's HTTP POST on the agent's server.
        assert agent.reply(conversation_id, "crossing-to-visitor", "a-1") == 204
        frame = json.loads(
            receive_until(
                visitor,
                lambda data: json.loads(data).get("message", {}).get("client_id") == "a-1",
            )
        )
        assert frame["type"] == "message.new"
        assert frame["message"]["body"] == "crossing-to-visitor"
        assert frame["message"]["sender"]["type"] == "agent"
        if on_visitor_socket is not None:
            on_visitor_socket(visitor, conversation_id)
    return conversation_id
