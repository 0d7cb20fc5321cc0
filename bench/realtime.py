"""Realtime load benchmark: visitor sockets, agent console sockets, an open arrival rate.

Run from the project root with the project's virtualenv:

    .venv/bin/python bench/realtime.py                       # 1,000 pairs, 200 msg/s, 30 s
    .venv/bin/python bench/realtime.py --visitors 50 --rate 20 --duration 5
    .venv/bin/python bench/realtime.py --saturate --skip-baseline
    .venv/bin/python bench/realtime.py --layer core
    .venv/bin/python bench/realtime.py --rate 20 --skip-baseline --profile /tmp/prof
    .venv/bin/python bench/realtime.py --agents-per-team 50 --conversations-per-agent 20 \
        --supervisors 2 --rate 100                          # the realistic topology

Results, method and findings: docs/performance.md.

It starts the whole stack itself: a throwaway PostgreSQL database (dropped at the end, also on
Ctrl-C or failure), `migrate` + `seed_demo`, K uvicorn (or daphne) processes on loopback ports
sharing Redis. Then it creates V visitors with one conversation each (in bulk by default, or
through the widget API with --setup http), opens V visitor sockets (auth + subscribe) and A
console sockets (a logged-in agent each, `watch` one conversation each: by default one bench
agent per socket; --agent-accounts 1 makes them all the demo agent, the inbox fan-out case), and
drives an open-arrival-rate load in both directions:

- visitor -> agent: a `message.send` frame on the visitor socket, timed until the console socket
  watching that conversation receives the HTML fragment with the message's unique token;
- agent -> visitor: a `message.send` frame on the console socket, as the console sends a reply
  while its socket is open (`--agent-reply http`: the reply POST
  /console/conversations/<id>/messages, the console's fallback), timed until the visitor socket
  receives the `message.new` with that client id.

With --agents-per-team the sockets follow a realistic topology instead (TopologyTarget): teams
of agents, each working all their open conversations in one console, supervisors' consoles
getting every inbox row, and humans' pacing (typing, reading, one message per side per
conversation per 3 s at most); it reports refusals of every kind and the frames per second each
console receives.

Latencies are measured from the *scheduled* send time on this process's one clock
(time.perf_counter), so a slow server (or a slow client) cannot hide queueing (no coordinated
omission). A baseline with the same sockets, pairs and rate runs in the same invocation unless
--skip-baseline, and the run ends with ours/baseline ratios (server CPU per message, this run's
PostgreSQL backends' CPU per message, p50 and p99). `--baseline channels` (the default) is the
floor of our own stack: a bare Channels consumer (bench/channels_floor.py) served by the same
server, process count, channel layer and database settings, which authenticates nothing and
per message does one `INSERT ... ON CONFLICT DO NOTHING` through `database_sync_to_async` and
one `group_send` to the pair. `--baseline relay` is a minimal `websockets` relay (no Django, no
database); `--baseline persisting` makes that relay also write each message to PostgreSQL (one
INSERT, its own transaction, before the acknowledgement and the relay). `--only-baseline` runs
the baseline alone.

Environment: PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres) and REDIS_HOST /
REDIS_PORT (default 127.0.0.1:6379). Nothing here is meant for a public interface: every socket
is on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import math
import os
import platform
import random
import re
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.stack import free_port, wait_for_port  # noqa: E402 - needs ROOT on sys.path

# What a console page says first (console.js sendInbox): the inbox it lists. "All" active rows,
# so each console is sent every row its agent may see, as before rows were filtered server-side.
CONSOLE_INBOX = {"type": "inbox", "view": "all", "status": "active"}

CLK_TCK = os.sysconf("SC_CLK_TCK")
DEMO_WIDGET_KEY = "demo"
DEMO_AGENT = ("agent", "agent-demo-123")
MESSAGE_FRAGMENT_PREFIX = '<div hx-swap-oob="beforeend:#message-list">'
INBOX_ROW_PREFIX = '<ul hx-swap-oob="afterbegin:#inbox-list">'
TARGETS = {
    "v2a_p50_ms": 5.0,
    "v2a_p99_ms": 25.0,
    "saturation_msgs": 1000.0,
    "saturation_p99_ms": 100.0,
    "rss_kb_per_socket": 36.0,  # issue 21's bound (the bare Channels floor: ~31)
}
SOCKET_FRAME_LIMIT_PER_SECOND = 2.0  # DESTEK_SOCKET_FRAMES (20) per 10 s window


def now() -> float:
    return time.perf_counter()


def log(*parts) -> None:
    print("#", *parts, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# The machine and the processes: /proc readings
# --------------------------------------------------------------------------------------------


def machine_summary() -> dict:
    meminfo = Path("/proc/meminfo").read_text()
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
    model = ""
    with contextlib.suppress(OSError):
        match = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        model = match.group(1).strip() if match else ""
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "cpu": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def versions() -> dict:
    from importlib import metadata

    found = {}
    for name in (
        "Django",
        "channels",
        "channels-redis",
        "daphne",
        "Twisted",
        "redis",
        "psycopg",
        "websockets",
        "uvicorn",
        "uvloop",
        "httptools",
    ):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found


def code_version() -> str:
    """The commit measured, and whether the application's files differ from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", ".", ":!bench", ":!docs"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    except OSError:
        head = ""
    if not head:
        return f"{ROOT} (not a git checkout)"
    return f"{head}" + (f" + {len(changed)} uncommitted file(s)" if changed else "")


def rss_kb(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"VmRSS:\s+(\d+) kB", text)
    return int(match.group(1)) if match else 0


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """utime + stime (and, with children, the waited-for children's) of one process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = raw[raw.rindex(")") + 2 :].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / CLK_TCK


def pids_named(name: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if (entry / "comm").read_text().strip() == name:
                pids.append(int(entry.name))
    return pids


def cpu_of_named(name: str) -> float:
    """All processes of that name, with their reaped children (exited backends count too)."""
    return sum(cpu_seconds(pid, children=True) for pid in pids_named(name))


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy since boot (all cores, /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    return (sum(fields) - fields[3] - fields[4]) / CLK_TCK  # all but idle and iowait


@dataclass
class CpuSnapshot:
    servers: float
    postgres: float
    redis: float
    client: float
    wall: float
    machine: float
    # CPU of each backend connected to this run's database (pid -> seconds): on a machine
    # shared with other PostgreSQL work, "postgres" (every postgres process) counts theirs too.
    backends: dict[int, float] = field(default_factory=dict)

    @classmethod
    def take(cls, server_pids: list[int], backend_pids: list[int] = ()) -> CpuSnapshot:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return cls(
            servers=sum(cpu_seconds(pid) for pid in server_pids),
            postgres=cpu_of_named("postgres"),
            redis=cpu_of_named("redis-server"),
            client=usage.ru_utime + usage.ru_stime,
            wall=now(),
            machine=machine_busy_seconds(),
            backends={pid: cpu_seconds(pid) for pid in backend_pids},
        )

    def minus(self, before: CpuSnapshot) -> dict:
        return {
            "servers": self.servers - before.servers,
            "postgres": self.postgres - before.postgres,
            # Backends open at the end (a pool keeps them); one opened meanwhile counts whole.
            "postgres_db": sum(
                max(0.0, cpu - before.backends.get(pid, 0.0)) for pid, cpu in self.backends.items()
            ),
            "redis": self.redis - before.redis,
            "client": self.client - before.client,
            "wall": self.wall - before.wall,
            "machine": self.machine - before.machine,
        }


def raise_nofile_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1 << 20
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --------------------------------------------------------------------------------------------
# A tiny keep-alive HTTP/1.1 client (the venv has no async HTTP client; this is all we need)
# --------------------------------------------------------------------------------------------


class HttpError(Exception):
    pass


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def cookies(self) -> dict[str, str]:
        found = {}
        for key, value in self.headers:
            if key == "set-cookie":
                pair = value.split(";", 1)[0]
                if "=" in pair:
                    cookie, _, content = pair.partition("=")
                    found[cookie.strip()] = content.strip()
        return found

    def json(self):
        return json.loads(self.body)


async def _read_response(reader: asyncio.StreamReader, method: str) -> tuple[HttpResponse, bool]:
    status_line = await reader.readuntil(b"\r\n")
    parts = status_line.decode("latin-1").split(" ", 2)
    status = int(parts[1])
    headers = []
    while True:
        line = await reader.readuntil(b"\r\n")
        if line == b"\r\n":
            break
        key, _, value = line.decode("latin-1").partition(":")
        headers.append((key.strip().lower(), value.strip()))
    head = dict(headers)
    keep_alive = head.get("connection", "").lower() != "close"
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        body = b""
    elif "chunked" in head.get("transfer-encoding", "").lower():
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":
                    pass
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(chunks)
    elif "content-length" in head:
        body = await reader.readexactly(int(head["content-length"]))
    else:
        body = await reader.read()
        keep_alive = False
    return HttpResponse(status, headers, body), keep_alive


class HttpPool:
    """Keep-alive connections to one server, at most `size` requests in flight."""

    def __init__(self, port: int, size: int):
        self.port = port
        self.size = size
        self.semaphore = asyncio.Semaphore(size)
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def request(
        self, method: str, path: str, *, headers: dict | None = None, body: bytes = b""
    ) -> HttpResponse:
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        lines += [f"{key}: {value}" for key, value in (headers or {}).items()]
        lines.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        async with self.semaphore:
            for attempt in range(2):
                fresh = attempt > 0 or not self.idle
                if fresh:
                    conn = await asyncio.open_connection("127.0.0.1", self.port)
                else:
                    conn = self.idle.pop()
                reader, writer = conn
                try:
                    writer.write(raw)
                    await writer.drain()
                    response, keep_alive = await _read_response(reader, method)
                except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    writer.close()
                    # A kept-alive connection the server closed meanwhile: retry once on a
                    # fresh one (our POSTs carry a client_id, so a retry is idempotent).
                    if fresh:
                        raise
                    continue
                if keep_alive:
                    self.idle.append(conn)
                else:
                    writer.close()
                return response
        raise HttpError("unreachable")

    def close(self) -> None:
        for _reader, writer in self.idle:
            writer.close()
        self.idle.clear()


# --------------------------------------------------------------------------------------------
# The stack: database, Redis namespace, server processes
# --------------------------------------------------------------------------------------------


class BenchStack:
    def __init__(self, args, tmp_dir: Path):
        self.args = args
        self.tmp_dir = tmp_dir
        self.name = f"destek_bench_{uuid.uuid4().hex[:10]}"
        self.admin_url = os.environ.get(
            "PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
        )
        self.database_url = self.admin_url.rsplit("/", 1)[0] + f"/{self.name}"
        self.redis_host = os.environ.get("REDIS_HOST", "127.0.0.1")
        self.redis_port = int(os.environ.get("REDIS_PORT", "6379"))
        self.redis_url = f"redis://{self.redis_host}:{self.redis_port}/{args.redis_db}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "1" if args.debug else "0",
            "SECRET_KEY": "bench-" + secrets.token_hex(24),
            # seed_demo's widget and agents (it refuses to run without the demo or DEBUG).
            "DESTEK_DEMO": "1",
            # The clients speak plain HTTP to loopback ports: no proxy, no TLS.
            "SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CHANNEL_LAYER": args.layer,
            "CHANNEL_LAYER_PREFIX": self.name,
            "DB_CONN_MAX_AGE": str(args.conn_max_age),
            "MEDIA_ROOT": str(tmp_dir / "media"),
            "PYTHONUNBUFFERED": "1",
            # A thousand visitors from one address would hit the per-address session limit.
            "DESTEK_SESSION_RATE_LIMIT": "0",
            # Saturation steps send more than a visitor may per minute; the counter still
            # runs (its UPDATE is part of the measured path) but never refuses.
            "DESTEK_MESSAGE_RATE_LIMIT": "1000000000",
            "CELERY_TASK_ALWAYS_EAGER": "1",
        }
        self.database_created = False
        self.servers: list[tuple[int, subprocess.Popen]] = []
        self.asgi_app = "config.asgi:application"
        if args.experiment:
            self._write_overlay(args.experiment)

    def _write_overlay(self, experiments: list[str]) -> None:
        """What-if runs without touching the app: a settings/ASGI overlay in the temp folder."""
        settings = [
            "from config.settings import *  # noqa: F403",
            "from config.settings import DATABASES",
        ]
        options = 'DATABASES["default"].setdefault("OPTIONS", {})'
        if "pool" in experiments:
            # Django 5.1+ psycopg pool (needs psycopg-pool); CONN_MAX_AGE must be 0 with it.
            settings += [
                'DATABASES["default"]["CONN_MAX_AGE"] = 0',
                f'{options}["pool"] = {{"min_size": 4, "max_size": 24, "timeout": 30}}',
            ]
        (self.tmp_dir / "bench_settings.py").write_text("\n".join(settings) + "\n")
        asgi = ["from config.asgi import application  # noqa: F401"]
        if "gcfreeze" in experiments:
            asgi += [
                "import gc",
                "gc.collect()",
                "gc.freeze()",
                "gc.set_threshold(50_000, 50, 100)",
            ]
        if "trace" in experiments:
            asgi.append(TRACE_OVERLAY)
        if "switchinterval" in experiments:
            # The database thread waits for the GIL each time a query returns; with the event
            # loop busy, CPython hands it over only every switch interval (5 ms by default).
            asgi += ["import sys", "sys.setswitchinterval(0.0005)"]
        (self.tmp_dir / "bench_asgi.py").write_text("\n".join(asgi) + "\n")
        self.env["DJANGO_SETTINGS_MODULE"] = "bench_settings"
        self.env["PYTHONPATH"] = os.pathsep.join([str(self.tmp_dir), str(ROOT)])
        self.asgi_app = "bench_asgi:application"

    def _admin(self, sql: str, *params):
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            cursor = conn.execute(sql, params or None)
            return cursor.fetchall() if cursor.description else None

    def query(self, sql: str, *params) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            cursor = conn.execute(sql, params or None)
            return cursor.fetchall() if cursor.description else []

    def backend_pids(self) -> list[int]:
        """PostgreSQL backends connected to this run's database now."""
        if not self.database_created:
            return []
        rows = self._admin("SELECT pid FROM pg_stat_activity WHERE datname = %s", self.name)
        return [row[0] for row in rows]

    def persisted(self, table: str, conversation_column: str, pattern: str) -> dict:
        """Rows stored with a client id like `pattern`, and how many distinct per conversation."""
        rows = self.query(
            f"SELECT count(*), count(DISTINCT ({conversation_column}, client_id)) "  # noqa: S608
            f"FROM {table} WHERE client_id LIKE %s",
            pattern,
        )
        return {"rows": rows[0][0], "distinct": rows[0][1]}

    def create_database(self) -> None:
        self._admin(f'CREATE DATABASE "{self.name}"')
        self.database_created = True

    def manage(self, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-4000:]}")
        return result.stdout

    def start_servers(
        self, count: int, *, asgi_app: str | None = None, env: dict | None = None
    ) -> list[int]:
        """K server processes of --server on loopback ports; Destek's app unless another one
        (the floor of `--baseline channels`) with its environment."""
        ports = []
        for _ in range(count):
            port = free_port()
            log_file = open(self.tmp_dir / f"server-{port}.log", "ab")  # noqa: SIM115
            if self.args.server == "uvicorn":
                command = [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    asgi_app or self.asgi_app,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--no-access-log",
                    "--log-level",
                    "warning",
                    "--ws-ping-interval",
                    "0",
                    # As the Procfile's web line.
                    "--lifespan",
                    "off",
                    "--ws-max-size",
                    "1048576",
                    "--no-server-header",
                    "--ws-per-message-deflate",
                    "true" if self.args.server_deflate else "false",
                ]
            else:
                command = [
                    sys.executable,
                    "-m",
                    "daphne",
                    "-b",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "--verbosity",
                    "0",  # no access log: one line per request and socket is not what we measure
                    asgi_app or self.asgi_app,
                ]
            process = subprocess.Popen(
                command, cwd=ROOT, env=env or self.env, stdout=log_file, stderr=subprocess.STDOUT
            )
            self.servers.append((port, process))
            ports.append(port)
        for port, process in self.servers:
            wait_for_port(port, process=process, timeout=60)
        return ports

    @property
    def pids(self) -> list[int]:
        return [process.pid for _port, process in self.servers]

    def server_log_tail(self, lines: int = 30) -> str:
        out = []
        for port, _process in self.servers:
            path = self.tmp_dir / f"server-{port}.log"
            if path.exists():
                text = path.read_text(errors="replace").splitlines()
                out.append(f"--- server {port} ({len(text)} log lines) ---")
                out += text[-lines:]
        return "\n".join(out)

    def server_logs(self) -> list[str]:
        paths = [self.tmp_dir / f"server-{port}.log" for port, _process in self.servers]
        return [path.read_text(errors="replace") for path in paths if path.exists()]

    def server_errors(self) -> dict[int, int]:
        counts = {}
        for port, _process in self.servers:
            path = self.tmp_dir / f"server-{port}.log"
            text = path.read_text(errors="replace") if path.exists() else ""
            counts[port] = text.count("Traceback")
        return counts

    def stop_servers(self) -> None:
        for _port, process in self.servers:
            if process.poll() is None:
                process.terminate()
        for _port, process in self.servers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self.servers = []

    def cleanup(self) -> None:
        """Idempotent and safe to call from any failure path."""
        self.stop_servers()
        if self.database_created:
            try:
                self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                self.database_created = False
            except Exception as error:
                log(f"could not drop database {self.name}: {error!r}")
        try:
            import redis

            client = redis.Redis(host=self.redis_host, port=self.redis_port, db=self.args.redis_db)
            keys = list(client.scan_iter(match=f"{self.name}*", count=1000))
            if keys:
                client.delete(*keys)
            client.close()
        except Exception as error:
            log(f"could not clean Redis keys {self.name}*: {error!r}")


def database_stack(*, redis_db: int, prefix: str) -> BenchStack:
    """A stack for a bench script that needs a throwaway database and manage.py, no servers
    (bench/volume.py, bench/fragments.py)."""
    args = parse_args(["--visitors", "10", "--rate", "1", "--redis-db", str(redis_db)])
    return BenchStack(args, Path(tempfile.mkdtemp(prefix=prefix)))


class DbMonitor:
    """Samples the database's open backends (pg_stat_activity) and new sessions opened."""

    def __init__(self, stack: BenchStack, interval: float = 0.25):
        import threading

        self.stack = stack
        self.interval = interval
        self.current = 0
        self.peak = 0
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> DbMonitor:
        self.thread.start()
        return self

    def _run(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self.stack.admin_url, autocommit=True) as conn:
                while not self.stop_event.is_set():
                    row = conn.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                        (self.stack.name,),
                    ).fetchone()
                    self.current = row[0]
                    self.peak = max(self.peak, self.current)
                    self.stop_event.wait(self.interval)
        except Exception as error:
            log(f"database monitor stopped: {error!r}")

    def reset_peak(self) -> None:
        self.peak = self.current

    def sessions(self) -> int:
        """Connections ever opened to the database (PostgreSQL 14+)."""
        rows = self.stack._admin(
            "SELECT sessions FROM pg_stat_database WHERE datname = %s", self.stack.name
        )
        return rows[0][0] if rows else 0

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=2)


# --------------------------------------------------------------------------------------------
# What a run records
# --------------------------------------------------------------------------------------------


class Rec:
    __slots__ = (
        "ack",
        "delivered",
        "deliveries",
        "error",
        "held",
        "kind",
        "pair",
        "phase",
        "sheds",
        "t0",
    )

    def __init__(self, kind: str, pair: int, t0: float, phase: str):
        self.kind = kind  # "v2a" or "a2v"
        self.pair = pair
        self.t0 = t0  # scheduled send time
        self.phase = phase
        self.ack: float | None = None
        self.delivered: float | None = None
        self.deliveries = 0
        self.error: str | None = None
        self.sheds = 0  # refused as overloaded, then sent again (latency still counts from t0)
        self.held = False  # waited behind refused ones before its first send


class Recorder:
    def __init__(self, run_id: str):
        self.run_id = run_id
        self.records: dict[str, Rec] = {}
        self.counter = 0
        self.frames: dict[str, int] = {}
        self.frame_bytes: dict[str, int] = {}
        self.errors: dict[str, int] = {}
        self.unknown_tokens = 0
        self.closed_sockets = 0
        self.lag: list[float] = []

    def token(self, kind: str, phase: str) -> str:
        self.counter += 1
        prefix = "bv" if kind == "v2a" else "ba"
        return f"{prefix}-{self.run_id}-{phase}-{self.counter}"

    def token_pattern(self, phase: str) -> str:
        """SQL LIKE pattern of every token of a phase, both directions."""
        return f"b_-{self.run_id}-{phase}-%"

    def frame(self, category: str, size: int) -> None:
        self.frames[category] = self.frames.get(category, 0) + 1
        self.frame_bytes[category] = self.frame_bytes.get(category, 0) + size

    def error(self, code: str) -> None:
        self.errors[code] = self.errors.get(code, 0) + 1

    def ack(self, token: str, when: float) -> None:
        rec = self.records.get(token)
        if rec is not None and rec.ack is None:
            rec.ack = when

    def deliver(self, token: str, when: float) -> None:
        rec = self.records.get(token)
        if rec is None:
            self.unknown_tokens += 1
            return
        rec.deliveries += 1
        if rec.delivered is None:
            rec.delivered = when

    def pending(self, phase: str) -> int:
        return sum(
            1
            for rec in self.records.values()
            if rec.phase == phase and (rec.delivered is None or rec.ack is None) and not rec.error
        )


def percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    index = max(0, min(len(sorted_values) - 1, math.ceil(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def latency_summary(values: list[float]) -> dict:
    values = sorted(values)
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p90": percentile(values, 90),
        "p99": percentile(values, 99),
        "max": values[-1] if values else None,
    }


class Sends:
    """The sends a drive has started and not yet seen end: a failed one is counted and recorded
    as it ends; drain() waits for the answers and cancels what is still out."""

    def __init__(self, rec: Recorder):
        self.rec = rec
        self.tasks: set[asyncio.Task] = set()
        self.failures = 0

    def start(self, send) -> None:
        task = asyncio.create_task(send)
        self.tasks.add(task)
        task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.failures += 1
            self.rec.error(f"send:{type(task.exception()).__name__}")

    async def drain(self, phase, *, sent, start, schedule_end, lag, drain) -> dict:
        """Wait for the answers, at most `drain` seconds after the schedule ends; cancel the
        sends still out; the drive's figures."""
        deadline = schedule_end + drain
        while now() < deadline:
            if not self.tasks and self.rec.pending(phase) == 0:
                break
            await asyncio.sleep(0.05)
        in_flight = len(self.tasks)
        for task in list(self.tasks):
            task.cancel()
        return {
            "sent": sent,
            "start": start,
            "schedule_end": schedule_end,
            "end": now(),
            "lag": latency_summary(lag),
            "send_failures": self.failures,
            "in_flight_cancelled": in_flight,
        }


# --------------------------------------------------------------------------------------------
# Targets: Destek itself, and the raw relay baseline
# --------------------------------------------------------------------------------------------

TOKEN_RE = re.compile(r"b[va]-[0-9a-f]+-[a-z0-9]+-\d+")
MESSAGE_ID_RE = re.compile(r'data-message-id="(\d+)"')
# An agent's reply in a message fragment: the answer to the socket that sent it while watching
# its conversation (no `message.sent` then).
REPLY_CLIENT_ID_RE = re.compile(r'data-client-id="(ba-[0-9a-f]+-[a-z0-9]+-\d+)"')


# What the clients offer: "deflate" (permessage-deflate, as every browser and mobile webview
# does) or None. Set from --compression.
WS_COMPRESSION: str | None = "deflate"


# `--experiment trace`: wrappers (in the servers, from the ASGI overlay, the app untouched)
# that log when each step of a visitor's message happened, for stage_breakdown().
TRACE_OVERLAY = r"""
import sys, time
from chat import consumers, realtime
from console import consumers as console_consumers
from console import realtime as console_realtime

def _trace(*fields):
    # One write per line: the database thread and the event loop both trace.
    sys.stderr.write(" ".join(["TRACE", *map(str, fields)]) + "\n")
    sys.stderr.flush()

_on_send = consumers.VisitorConsumer.on_message_send
async def on_message_send(self, frame):
    self._trace_received = time.time()
    await _on_send(self, frame)
consumers.VisitorConsumer.on_message_send = on_message_send

# Time spent in each step of the database call (this thread: one call at a time).
import threading
from django.db.backends.base.base import BaseDatabaseWrapper
from support import selectors as support_selectors
from support import sql as support_sql
from support.services import messages as message_services
_steps = threading.local()

def _timed(owner, name, label):
    original = getattr(owner, name)
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent = getattr(_steps, "spent", None)
            if spent is not None:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - started
    setattr(owner, name, timed)

_timed(support_selectors, "visitor_token_check", "token")
_timed(support_selectors, "conversation_lock_for_message", "lock")
_timed(support_sql, "message_insert_locked", "lock+insert")
_timed(message_services, "_message_insert", "insert")
_timed(message_services, "conversation_record_message", "record")
_timed(BaseDatabaseWrapper, "_commit", "commit")
_timed(BaseDatabaseWrapper, "connect", "connect")
_timed(BaseDatabaseWrapper, "close", "close")
_timed(consumers.protocol, "message_to_dict", "frame")

_db_send = consumers.VisitorConsumer._message_send
def _message_send(self, *args):
    _trace("db", f"{self._trace_received:.6f}", f"{time.time():.6f}")
    _steps.spent = {}
    started = time.perf_counter()
    try:
        return _db_send(self, *args)
    finally:
        spent, _steps.spent = _steps.spent, None
        spent["total"] = time.perf_counter() - started
        _trace("steps", *(f"{k}={v:.6f}" for k, v in spent.items()))
consumers.VisitorConsumer._message_send = _message_send

_created = console_realtime.message_created
def message_created(**kwargs):
    started = time.time()
    _created(**kwargs)
    if kwargs["message"].sender_type == "visitor":
        _trace("built", kwargs["message"].pk, f"{started:.6f}", f"{time.time():.6f}")
console_realtime.message_created = message_created

_send_now = realtime._send_now
async def send_now(layer, messages):
    started = time.time()
    await _send_now(layer, messages)
    ids = [str(event["message_id"]) for _group, event in messages if "message_id" in event]
    if ids:
        _trace("published", f"{started:.6f}", f"{time.time():.6f}", *ids)
realtime._send_now = send_now

_console_html = console_consumers.ConsoleConsumer.console_html
async def console_html(self, event):
    if "message_id" in event:
        _trace("delivered", event["message_id"], f"{time.time():.6f}")
    await _console_html(self, event)
console_consumers.ConsoleConsumer.console_html = console_html
"""

STAGES = (
    "frame received -> database call starts (wait for the database thread)",
    "database call: token check, lock, insert, update, commit",
    "building the events (renders, frames)",
    "events built -> Redis publish starts (hand-off to the event loop)",
    "Redis publish (one pipelined round trip)",
    "published -> the agent's consumer has it (Redis, the other process)",
    "frame received -> the agent's consumer has it (sum)",
)


def stage_breakdown(log_texts: list[str]) -> list[tuple[str, float, float]]:
    """(stage, p50 ms, p90 ms) of visitor messages, from the trace lines of all servers (one
    clock: same machine). A database call is matched to its message by order: each socket's
    calls are sequential, and `built` follows its own `db` in the same process."""
    built, published, delivered, starts, steps = {}, {}, {}, [], {}
    for text in log_texts:
        pending = []
        for line in text.splitlines():
            fields = line.split()
            if not fields or fields[0] != "TRACE":
                continue
            kind, rest = fields[1], fields[2:]
            if kind == "db":
                pending.append((float(rest[0]), float(rest[1])))
            elif kind == "built" and pending:
                received, db_started = pending.pop(0)
                built[int(rest[0])] = (received, db_started, float(rest[1]), float(rest[2]))
            elif kind == "published":
                for message_id in rest[2:]:
                    published.setdefault(int(message_id), (float(rest[0]), float(rest[1])))
            elif kind == "delivered":
                delivered.setdefault(int(rest[0]), float(rest[1]))
            elif kind == "steps":
                for field in rest:
                    name, _, value = field.partition("=")
                    steps.setdefault(name, []).append(float(value))
        starts += pending
    rows = []
    for message_id, (received, db_started, build_started, built_at) in built.items():
        if message_id not in published or message_id not in delivered:
            continue
        publish_started, published_at = published[message_id]
        at = delivered[message_id]
        rows.append(
            (
                db_started - received,
                build_started - db_started,
                built_at - build_started,
                publish_started - built_at,
                published_at - publish_started,
                at - published_at,
                at - received,
            )
        )
    out = []
    for index, name in enumerate(STAGES):
        values = sorted(row[index] * 1000 for row in rows)
        if values:
            out.append((name, values[len(values) // 2], values[int(len(values) * 0.9)]))
    # Inside the database call (the build runs in the commit's on-commit hook: not counted
    # in "commit", which is the COMMIT statement alone).
    for name in (
        "connect",
        "token",
        "lock",
        "insert",
        "record",
        "commit",
        "frame",
        "close",
        "total",
    ):
        values = sorted(value * 1000 for value in steps.get(name, []))
        if values:
            label = f"  database call, {name}" + (" (with the build)" if name == "total" else "")
            out.append((label, values[len(values) // 2], values[int(len(values) * 0.9)]))
    return out


def ws_connect(url: str, **kwargs):
    from websockets.asyncio.client import connect

    return connect(
        url,
        compression=WS_COMPRESSION,
        ping_interval=None,
        proxy=None,
        open_timeout=60,
        close_timeout=2,
        max_size=None,
        max_queue=256,
        **kwargs,
    )


async def bounded_gather(limit: int, coroutines) -> list:
    semaphore = asyncio.Semaphore(limit)

    async def one(coroutine):
        async with semaphore:
            return await coroutine

    return await asyncio.gather(*(one(c) for c in coroutines))


@dataclass
class Pair:
    index: int
    conversation: int = 0
    last_id: int = 0
    visitor_token: str = ""
    visitor_port: int = 0
    agent_port: int = 0
    agent_account: int = 0
    visitor_ws: object = None
    agent_ws: object = None
    # Per sender ("v2a", "a2v"), as the widget's outbox: messages refused as overloaded,
    # oldest first, and those written after them; only the oldest is sent again until it is
    # acknowledged.
    outboxes: dict = field(default_factory=lambda: {"v2a": deque(), "a2v": deque()})


async def pairs_close(pairs: list[Pair], readers: list[asyncio.Task]) -> None:
    """Close every pair's sockets and wait for the tasks that read them to end."""
    for task in readers:
        task.cancel()
    sockets = [p.visitor_ws for p in pairs] + [p.agent_ws for p in pairs]
    await asyncio.gather(*(ws.close() for ws in sockets if ws is not None), return_exceptions=True)
    await asyncio.gather(*readers, return_exceptions=True)


@dataclass
class AgentAccount:
    username: str
    session: str = ""
    csrf: str = ""
    user_id: int = 0

    def cookie(self) -> str:
        return f"sessionid={self.session}; csrftoken={self.csrf}"


class DestekTarget:
    name = "destek"

    def __init__(self, args, stack: BenchStack, ports: list[int], recorder: Recorder):
        self.args = args
        self.stack = stack
        self.ports = ports
        self.rec = recorder
        self.pairs: list[Pair] = []
        self.accounts: list[AgentAccount] = []
        self.pools = {port: HttpPool(port, args.http_concurrency) for port in ports}
        self.readers: list[asyncio.Task] = []
        self.http_latencies: list[float] = []
        self.http_status: dict[int, int] = {}

    # -- setup ---------------------------------------------------------------------------

    async def setup(self) -> None:
        args = self.args
        k = len(self.ports)
        self.pairs = [
            Pair(index=i, visitor_port=self.ports[i % k], agent_port=self.ports[(i + 1) % k])
            for i in range(args.visitors)
        ]
        started = now()
        if args.setup == "http":
            await bounded_gather(
                args.setup_concurrency, (self._open_visitor(p) for p in self.pairs)
            )
            fixture = await self._fixture(visitors=False)
        else:
            fixture = await self._fixture(visitors=True)
            for pair, made in zip(self.pairs, fixture["visitors"], strict=True):
                pair.visitor_token = made["token"]
                pair.conversation = made["conversation"]
                pair.last_id = made["last_id"]
        log(
            f"{len(self.pairs)} visitors and conversations created ({args.setup}) "
            f"in {now() - started:.1f} s"
        )
        started = now()
        if args.agent_accounts <= 1:
            self.accounts = [await self._login(*DEMO_AGENT)]
        else:
            csrf = secrets.token_hex(16)  # any 32-character secret works: the cookie is unsigned
            self.accounts = [
                AgentAccount(a["username"], session=a["session"], csrf=csrf, user_id=a["id"])
                for a in fixture["agents"]
            ]
        for pair in self.pairs:
            pair.agent_account = pair.index % len(self.accounts)
        log(f"{len(self.accounts)} agent account(s) ready in {now() - started:.1f} s")

    async def _fixture(self, *, visitors: bool) -> dict:
        """Bench fixtures, written by a `manage.py shell` in the throwaway database.

        visitors: contacts, their conversations and first messages in bulk (`--setup fixture`,
        much faster than the HTTP API, which is what `--setup http` exercises).
        agents (--agent-accounts N > 1): N agent users in no team, conversation i assigned to
        agent i % N, one Django session each, so each console socket only gets its own agent's
        inbox rows instead of every row of the demo agent's inbox. With --conversations
        answered (the default) the assigned conversations are open and already answered, so
        every measured message is a steady-state one; queued: the agent's first reply of each
        conversation opens it (a status move, its audit row, the header and the widget's
        conversation.updated), which in a 20-30 s run is most of the agents' replies.
        """
        payload = {
            "visitors": self.args.visitors if visitors else 0,
            "topic": "order" if self.args.agent_accounts > 1 else None,
            "agents": self.args.agent_accounts if self.args.agent_accounts > 1 else 0,
            "conversations": [] if visitors else [p.conversation for p in self.pairs],
            "answered": self.args.conversations == "answered",
        }
        if not payload["visitors"] and not payload["agents"]:
            return {"visitors": [], "agents": []}
        output = await asyncio.to_thread(
            self.stack.manage, "shell", "-c", BENCH_FIXTURE_SCRIPT, stdin=json.dumps(payload)
        )
        return json.loads(output.strip().splitlines()[-1])

    async def _open_visitor(self, pair: Pair) -> None:
        pool = self.pools[pair.visitor_port]
        response = await pool.request(
            "POST",
            "/api/widget/v1/session",
            headers={"Content-Type": "application/json"},
            body=json.dumps(
                {"widget_key": DEMO_WIDGET_KEY, "device": {"platform": "bench"}}
            ).encode(),
        )
        if response.status != 200:
            raise HttpError(f"session: {response.status} {response.body[:300]!r}")
        pair.visitor_token = response.json()["visitor_token"]
        body = {"body": f"Hello from bench visitor {pair.index}", "client_id": f"bs-{pair.index}"}
        if self.args.agent_accounts > 1:
            body["topic"] = "order"  # team "general": the bench agents are in no team
        response = await pool.request(
            "POST",
            "/api/widget/v1/conversations",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {pair.visitor_token}",
            },
            body=json.dumps(body).encode(),
        )
        if response.status not in (200, 201):
            raise HttpError(f"conversation: {response.status} {response.body[:300]!r}")
        data = response.json()
        pair.conversation = data["id"]
        pair.last_id = max((m["id"] for m in data["messages"]), default=0)

    async def _login(self, username: str, password: str) -> AgentAccount:
        pool = self.pools[self.ports[0]]
        response = await pool.request("GET", "/console/login/")
        csrf = response.cookies().get("csrftoken")
        if response.status != 200 or not csrf:
            raise HttpError(f"login page: {response.status}")
        form = urlencode(
            {
                "csrfmiddlewaretoken": csrf,
                "username": username,
                "password": password,
                "next": "/console/",
            }
        ).encode()
        response = await pool.request(
            "POST",
            "/console/login/",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf}",
            },
            body=form,
        )
        cookies = response.cookies()
        if response.status != 302 or "sessionid" not in cookies:
            raise HttpError(f"login as {username}: {response.status} {response.body[:300]!r}")
        return AgentAccount(
            username=username, session=cookies["sessionid"], csrf=cookies.get("csrftoken", csrf)
        )

    async def open_sockets(self, pairs: list[Pair] | None = None) -> None:
        args = self.args
        pairs = self.pairs if pairs is None else pairs
        started = now()
        await bounded_gather(args.setup_concurrency, (self._visitor_socket(p) for p in pairs))
        log(f"{len(pairs)} visitor sockets open in {now() - started:.1f} s")
        started = now()
        agents = [p for p in pairs if p.index < args.agents]
        await bounded_gather(args.setup_concurrency, (self._agent_socket(p) for p in agents))
        log(f"{len(agents)} agent sockets open in {now() - started:.1f} s")
        return len(pairs) + len(agents)

    async def _visitor_socket(self, pair: Pair) -> None:
        ws = await ws_connect(f"ws://127.0.0.1:{pair.visitor_port}/ws/widget/")
        await ws.send(json.dumps({"type": "auth", "visitor_token": pair.visitor_token}))
        frame = json.loads(await ws.recv())
        if frame.get("type") != "auth.ok":
            raise RuntimeError(f"visitor auth failed: {frame}")
        if pair.index == 0:
            names = [extension.name for extension in ws.protocol.extensions]
            log(f"websocket extensions negotiated: {', '.join(names) or 'none'}")
        await ws.send(
            json.dumps(
                {"type": "subscribe", "conversation": pair.conversation, "after": pair.last_id}
            )
        )
        while True:
            frame = json.loads(await ws.recv())
            if frame.get("type") == "subscribed":
                break
            if frame.get("type") == "error":
                raise RuntimeError(f"subscribe failed: {frame}")
        pair.visitor_ws = ws
        self.readers.append(asyncio.create_task(self._read_visitor(ws, pair)))

    async def _agent_socket(self, pair: Pair) -> None:
        account = self.accounts[pair.agent_account]
        ws = await ws_connect(
            f"ws://127.0.0.1:{pair.agent_port}/ws/console/",
            additional_headers={"Cookie": account.cookie()},
        )
        # As the console page: the inbox it shows (every active row it may see), then the watch.
        await ws.send(json.dumps(CONSOLE_INBOX))
        await ws.send(
            json.dumps({"type": "watch", "conversation": pair.conversation, "after": pair.last_id})
        )
        # Frames are handled in order per consumer: the pong proves the watch is in place.
        await ws.send(json.dumps({"type": "ping"}))
        while True:
            text = await ws.recv()
            if "pong" in text:
                break
            if "console-errors" in text:
                raise RuntimeError(f"watch failed: {text[:300]}")
        pair.agent_ws = ws
        self.readers.append(asyncio.create_task(self._read_agent(ws, pair)))

    # -- receiving -----------------------------------------------------------------------

    async def _read_visitor(self, ws, pair: Pair) -> None:
        try:
            await self._read_visitor_frames(ws, pair)
        except Exception:
            self.rec.closed_sockets += 1

    async def _read_visitor_frames(self, ws, pair: Pair) -> None:
        rec = self.rec
        read_up_to = 0
        async for raw in ws:
            when = now()
            frame = json.loads(raw)
            kind = frame.get("type")
            rec.frame(f"visitor:{kind}", len(raw))
            if kind == "message.new":
                message = frame["message"]
                client_id = message.get("client_id") or ""
                if message["sender"]["type"] == "visitor":
                    rec.ack(client_id, when)
                    self._acked(pair, "v2a", client_id)
                elif client_id.startswith("ba-"):
                    rec.deliver(client_id, when)
                    if self.args.read_receipts and message["id"] > read_up_to:
                        # As the open widget does: the agent's "Seen".
                        read_up_to = message["id"]
                        await ws.send(
                            json.dumps(
                                {
                                    "type": "read",
                                    "conversation": pair.conversation,
                                    "up_to": read_up_to,
                                }
                            )
                        )
            elif kind == "error" and frame.get("code") == "overloaded":
                rec.error("visitor:overloaded")
                self._refused(pair, "v2a", frame)
            elif kind == "error":
                rec.error(f"visitor:{frame.get('code')}")
                token = frame.get("client_id")
                if token in rec.records:
                    rec.records[token].error = frame.get("code")

    async def _read_agent(self, ws, pair: Pair) -> None:
        rec = self.rec
        read_up_to = 0
        try:
            async for raw in ws:
                when = now()
                if raw.startswith("{"):
                    # The answer to a reply sent over this socket (--agent-reply socket).
                    frame = json.loads(raw)
                    rec.frame(f"agent:{frame.get('type')}", len(raw))
                    if frame.get("type") == "message.sent":
                        rec.ack(frame.get("client_id"), when)
                        self._acked(pair, "a2v", frame.get("client_id"))
                    elif frame.get("code") == "overloaded":
                        rec.error("agent:overloaded")
                        self._refused(pair, "a2v", frame)
                    else:
                        rec.error(f"agent:{frame.get('code')}")
                        token = frame.get("client_id")
                        if token in rec.records:
                            rec.records[token].error = frame.get("code")
                elif raw.startswith(MESSAGE_FRAGMENT_PREFIX):
                    rec.frame("agent:message", len(raw))
                    for token in REPLY_CLIENT_ID_RE.findall(raw):
                        rec.ack(token, when)
                        self._acked(pair, "a2v", token)
                    visitor_message = False
                    # Once per frame: the watched conversation's message comes with its inbox
                    # row, whose preview repeats the token.
                    for token in dict.fromkeys(TOKEN_RE.findall(raw)):
                        if token.startswith("bv-"):
                            rec.deliver(token, when)
                            visitor_message = True
                    ids = [int(i) for i in MESSAGE_ID_RE.findall(raw)]
                    if self.args.read_receipts and visitor_message and max(ids) > read_up_to:
                        # As the console does for the conversation on screen.
                        read_up_to = max(ids)
                        await ws.send(
                            json.dumps(
                                {
                                    "type": "read",
                                    "conversation": pair.conversation,
                                    "up_to": read_up_to,
                                }
                            )
                        )
                elif raw.startswith(INBOX_ROW_PREFIX):
                    rec.frame("agent:inbox-row", len(raw))
                elif "console-errors" in raw:
                    rec.frame("agent:error", len(raw))
                    rec.error("agent:" + raw[:200])
                else:
                    rec.frame("agent:other", len(raw))
        except Exception:
            rec.closed_sockets += 1

    # -- sending -------------------------------------------------------------------------

    # Overloaded (docs/protocol.md): as the widget's outbox and the console's composer, a
    # refused message is kept and sent again with its client_id after retry_after; those
    # written after it wait their turn; latency still counts from the first attempt.

    def _refused(self, pair: Pair, kind: str, frame: dict) -> None:
        token = frame["client_id"]
        self.rec.records[token].sheds += 1
        box = pair.outboxes[kind]
        if token not in box:
            box.append(token)
        if box[0] == token:
            self._send_oldest(pair, kind, frame["retry_after"] / 1000)

    def _acked(self, pair: Pair, kind: str, token: str) -> None:
        box = pair.outboxes[kind]
        if box and box[0] == token:
            box.popleft()
            if box:
                self._send_oldest(pair, kind, 0)

    def _send_oldest(self, pair: Pair, kind: str, delay: float) -> None:
        async def send():
            await asyncio.sleep(delay)
            if pair.outboxes[kind]:
                await self._send_message_frame(pair, kind, pair.outboxes[kind][0])

        self.readers.append(asyncio.create_task(send()))

    def _held(self, pair: Pair, kind: str, token: str) -> bool:
        box = pair.outboxes[kind]
        if box:
            box.append(token)
            self.rec.records[token].held = True
        return bool(box)

    async def send_visitor(self, pair: Pair, token: str) -> None:
        if not self._held(pair, "v2a", token):
            await self._send_message_frame(pair, "v2a", token)

    async def _send_message_frame(self, pair: Pair, kind: str, token: str) -> None:
        # Both sides send `message.send` on their socket: the widget, and the console while
        # its socket is open (HTTP is its fallback).
        ws = pair.visitor_ws if kind == "v2a" else pair.agent_ws
        await ws.send(
            json.dumps(
                {
                    "type": "message.send",
                    "conversation": pair.conversation,
                    "client_id": token,
                    "body": f"bench {token}",
                }
            )
        )

    async def send_agent(self, pair: Pair, token: str) -> None:
        if self.args.agent_reply == "socket":
            if not self._held(pair, "a2v", token):
                await self._send_message_frame(pair, "a2v", token)
            return
        account = self.accounts[pair.agent_account]
        started = now()
        response = await self.pools[pair.agent_port].request(
            "POST",
            f"/console/conversations/{pair.conversation}/messages",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": account.cookie(),
                "X-CSRFToken": account.csrf,
                "HX-Request": "true",
            },
            body=f"body={quote('bench ' + token)}&client_id={quote(token)}".encode(),
        )
        done = now()
        self.http_status[response.status] = self.http_status.get(response.status, 0) + 1
        self.http_latencies.append(done - started)
        record = self.rec.records[token]
        if response.status == 204:
            record.ack = done
        else:
            record.error = f"http {response.status}"
            self.rec.error(f"agent-http:{response.status}")

    def persisted(self, phase: str) -> dict:
        return self.stack.persisted(
            "chat_message", "conversation_id", self.rec.token_pattern(phase)
        )

    def backend_pids(self) -> list[int]:
        return self.stack.backend_pids()

    async def close(self) -> None:
        await pairs_close(self.pairs, self.readers)
        for pool in self.pools.values():
            pool.close()


BENCH_FIXTURE_SCRIPT = """
import json, sys
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.utils import timezone
from support.models import Message
from support.identity import visitor_token_issue
from support.models import AgentProfile, Contact, Conversation, Topic, Widget

data = json.loads(sys.stdin.read())
out = {"visitors": [], "agents": []}
with transaction.atomic():
    if data["visitors"]:
        widget = Widget.objects.get(key="demo")
        topic = Topic.objects.filter(slug=data["topic"]).first() if data["topic"] else None
        now = timezone.now()
        contacts = Contact.objects.bulk_create(
            [Contact(widget=widget, device={"platform": "bench"}, last_seen_at=now)
             for _ in range(data["visitors"])]
        )
        conversations = Conversation.objects.bulk_create(
            [Conversation(contact=c, status=Conversation.Status.QUEUED, topic=topic,
                          team=topic.team if topic else None, last_message_at=now,
                          last_message_preview=f"Hello from bench visitor {i}")
             for i, c in enumerate(contacts)]
        )
        messages = Message.objects.bulk_create(
            [Message(conversation=conv, sender_type="visitor", client_id=f"bs-{i}",
                     body=f"Hello from bench visitor {i}")
             for i, conv in enumerate(conversations)]
        )
        for conv, message in zip(conversations, messages):
            conv.visitor_last_read_id = message.pk
        Conversation.objects.bulk_update(conversations, ["visitor_last_read_id"])
        for contact, conv, message in zip(contacts, conversations, messages):
            token = visitor_token_issue(
                contact_id=contact.pk, widget_id=widget.pk, token_version=contact.token_version
            )
            out["visitors"].append(
                {"token": token, "conversation": conv.pk, "last_id": message.pk}
            )
        conversation_ids = [c.pk for c in conversations]
    else:
        conversation_ids = data["conversations"]
    if data["agents"]:
        User = get_user_model()
        password = make_password("bench-agent-password")
        for i in range(data["agents"]):
            user = User.objects.create(username=f"bench-agent-{i}", password=password)
            AgentProfile.objects.create(
                user=user, role=AgentProfile.Role.AGENT, display_name=f"Bench agent {i}"
            )
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "support.auth_backends.AgentModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            out["agents"].append(
                {"username": user.username, "id": user.pk, "session": session.session_key}
            )
        answered = {"status": Conversation.Status.OPEN, "first_response_at": timezone.now()}
        for index, conversation_id in enumerate(conversation_ids):
            Conversation.objects.filter(pk=conversation_id).update(
                assignee_id=out["agents"][index % len(out["agents"])]["id"],
                **(answered if data["answered"] else {}),
            )
print(json.dumps(out))
"""


# --------------------------------------------------------------------------------------------
# A realistic topology (--agents-per-team): teams of agents, each with many open
# conversations in one console, supervisors watching everything, humans' pacing
# --------------------------------------------------------------------------------------------

TOPOLOGY_FIXTURE_SCRIPT = """
import json, sys
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.utils import timezone
from support.models import Message
from support.identity import visitor_token_issue
from support.models import AgentProfile, Contact, Conversation, Team, Widget

data = json.loads(sys.stdin.read())
out = {"visitors": [], "agents": [], "supervisors": []}
User = get_user_model()
password = make_password("bench-agent-password")


def staff(username, role, teams=()):
    user = User.objects.create(username=username, password=password)
    profile = AgentProfile.objects.create(user=user, role=role, display_name=username)
    profile.teams.set(teams)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "support.auth_backends.AgentModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {"username": username, "id": user.pk, "session": session.session_key}


with transaction.atomic():
    widget = Widget.objects.get(key="demo")
    now = timezone.now()
    for t in range(data["teams"]):
        # No weekly hours: always open (no after-hours replies in the way).
        team = Team.objects.create(name=f"Bench team {t}", slug=f"bench-team-{t}")
        for a in range(data["agents_per_team"]):
            agent = staff(f"bench-t{t}-agent-{a}", AgentProfile.Role.AGENT, [team])
            out["agents"].append(agent)
            n = data["conversations_per_agent"]
            contacts = Contact.objects.bulk_create(
                [Contact(widget=widget, device={"platform": "bench"}, last_seen_at=now)
                 for _ in range(n)]
            )
            conversations = Conversation.objects.bulk_create(
                [Conversation(contact=c, status=Conversation.Status.OPEN, team=team,
                              assignee_id=agent["id"], last_message_at=now,
                              last_message_preview="Hello from a bench visitor")
                 for c in contacts]
            )
            messages = Message.objects.bulk_create(
                [Message(conversation=conv, sender_type="visitor", client_id=f"bs-{conv.pk}",
                         body="Hello from a bench visitor")
                 for conv in conversations]
            )
            for conv, message in zip(conversations, messages):
                conv.visitor_last_read_id = message.pk
                conv.agent_last_read_id = message.pk
            Conversation.objects.bulk_update(
                conversations, ["visitor_last_read_id", "agent_last_read_id"]
            )
            for contact, conv, message in zip(contacts, conversations, messages):
                token = visitor_token_issue(
                    contact_id=contact.pk, widget_id=widget.pk,
                    token_version=contact.token_version,
                )
                out["visitors"].append(
                    {"token": token, "conversation": conv.pk, "last_id": message.pk,
                     "agent": len(out["agents"]) - 1}
                )
    for s in range(data["supervisors"]):
        out["supervisors"].append(staff(f"bench-supervisor-{s}", AgentProfile.Role.SUPERVISOR))
print(json.dumps(out))
"""

CONSOLE_ERROR_CODE_RE = re.compile(r'data-code="([^"]*)"')
# As static/console/console.js: a read mark after a pause, at most one a second.
READ_PAUSE_SECONDS, READ_EVERY_SECONDS = 0.5, 1.0


@dataclass
class Console:
    """One console socket: an agent working all their conversations in it (switching the one
    on screen with `watch`), or a supervisor's, watching every inbox."""

    account: AgentAccount
    port: int
    role: str  # "agent" or "supervisor"
    ws: object = None
    watching: int = 0
    seen: dict = field(default_factory=dict)  # conversation -> newest message id shown
    read_sent: dict = field(default_factory=dict)  # conversation -> newest read mark sent
    read_task: object = None
    read_at: float = 0.0  # when the last read mark went
    stamps: list = field(default_factory=list)  # when each frame arrived


def window_rates(stamps: list[float], start: float, end: float) -> list[int]:
    """Frames in each whole second from start to end."""
    seconds = max(1, int(end - start))
    counts = [0] * seconds
    for stamp in stamps:
        index = int(stamp - start)
        if 0 <= index < seconds:
            counts[index] += 1
    return counts


class TopologyTarget(DestekTarget):
    """--agents-per-team A --conversations-per-agent C --teams T --supervisors S.

    T teams of A agents; each agent has C open conversations assigned (a visitor socket
    each) and one console socket in which they work all of them; S supervisor consoles get
    every inbox row. Humans' pacing: in a conversation each side sends at most one message
    per --pace seconds; each types first (`typing` on, --typing-lead seconds before the
    message, off after it); an agent opens the conversation they answer (`watch`, which
    shows what they missed) and reads every message shown (a `read` mark per burst, the
    newest id, after the console's debounce); a visitor reads each agent message. Every
    refusal is counted by kind: error frames (rate_limited, overloaded, busy, ...) on either
    side and sockets closed by the server."""

    name = "destek (topology)"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.consoles: list[Console] = []
        self.supervisors: list[Console] = []
        self.opened_consoles = False
        self.closing = False
        self.errors_at_start: dict[str, int] = {}
        self.typing_sent = 0
        self.reads_sent = 0
        self.watches_sent = 0
        self.unplaced = 0
        self.message_frames_sent: set[str] = set()

    async def setup(self) -> None:
        args = self.args
        k = len(self.ports)
        started = now()
        payload = {
            "teams": args.teams,
            "agents_per_team": args.agents_per_team,
            "conversations_per_agent": args.conversations_per_agent,
            "supervisors": args.supervisors,
        }
        output = await asyncio.to_thread(
            self.stack.manage, "shell", "-c", TOPOLOGY_FIXTURE_SCRIPT, stdin=json.dumps(payload)
        )
        fixture = json.loads(output.strip().splitlines()[-1])
        csrf = secrets.token_hex(16)
        for index, agent in enumerate(fixture["agents"]):
            account = AgentAccount(
                agent["username"], session=agent["session"], csrf=csrf, user_id=agent["id"]
            )
            self.consoles.append(Console(account, self.ports[(index + 1) % k], "agent"))
        for index, supervisor in enumerate(fixture["supervisors"]):
            account = AgentAccount(supervisor["username"], session=supervisor["session"], csrf=csrf)
            self.supervisors.append(Console(account, self.ports[index % k], "supervisor"))
        self.accounts = [console.account for console in self.consoles]
        for index, made in enumerate(fixture["visitors"]):
            pair = Pair(
                index=index,
                conversation=made["conversation"],
                last_id=made["last_id"],
                visitor_token=made["token"],
                visitor_port=self.ports[index % k],
                agent_port=self.consoles[made["agent"]].port,
                agent_account=made["agent"],
            )
            self.consoles[made["agent"]].seen[pair.conversation] = pair.last_id
            self.pairs.append(pair)
        self.by_conversation = {pair.conversation: pair for pair in self.pairs}
        log(
            f"topology: {args.teams} team(s) x {args.agents_per_team} agents x "
            f"{args.conversations_per_agent} conversations, {args.supervisors} supervisor(s), "
            f"created in {now() - started:.1f} s"
        )

    async def open_sockets(self, pairs: list[Pair] | None = None) -> int:
        pairs = self.pairs if pairs is None else pairs
        started = now()
        await bounded_gather(self.args.setup_concurrency, (self._visitor_socket(p) for p in pairs))
        log(f"{len(pairs)} visitor sockets open in {now() - started:.1f} s")
        if self.opened_consoles:
            return len(pairs)
        self.opened_consoles = True
        started = now()
        consoles = self.consoles + self.supervisors
        await bounded_gather(self.args.setup_concurrency, (self._console(c) for c in consoles))
        for pair in self.pairs:
            pair.agent_ws = self.consoles[pair.agent_account].ws
        log(f"{len(consoles)} console sockets open in {now() - started:.1f} s")
        return len(pairs) + len(consoles)

    async def _console(self, console: Console) -> None:
        ws = await ws_connect(
            f"ws://127.0.0.1:{console.port}/ws/console/",
            additional_headers={"Cookie": console.account.cookie()},
        )
        await ws.send(json.dumps(CONSOLE_INBOX))
        await ws.send(json.dumps({"type": "ping"}))
        while True:
            text = await ws.recv()
            if "pong" in text:
                break
        console.ws = ws
        self.readers.append(asyncio.create_task(self._read_console(console)))

    # -- receiving -----------------------------------------------------------------------

    def _closed(self, side: str, error: Exception) -> None:
        if self.closing:
            return
        rcvd = getattr(error, "rcvd", None)
        self.rec.error(f"{side}:closed {rcvd.code if rcvd else type(error).__name__}")
        self.rec.closed_sockets += 1

    async def _read_visitor(self, ws, pair: Pair) -> None:
        try:
            await super()._read_visitor_frames(ws, pair)
        except Exception as error:
            self._closed("visitor", error)

    async def _read_console(self, console: Console) -> None:
        rec = self.rec
        side = console.role
        try:
            async for raw in console.ws:
                when = now()
                console.stamps.append(when)
                if raw.startswith("{"):
                    frame = json.loads(raw)
                    rec.frame(f"{side}:{frame.get('type')}", len(raw))
                    token = frame.get("client_id")
                    record = rec.records.get(token)
                    if frame.get("type") == "message.sent":
                        rec.ack(token, when)
                        if record is not None:
                            self._acked(self.pairs[record.pair], "a2v", token)
                    elif frame.get("code") == "overloaded" and record is not None:
                        rec.error(f"{side}:overloaded")
                        self._refused(self.pairs[record.pair], "a2v", frame)
                    else:
                        rec.error(f"{side}:{frame.get('code')}")
                        if record is not None:
                            record.error = frame.get("code")
                    continue
                if "console-errors" in raw:
                    rec.frame(f"{side}:error", len(raw))
                    code = CONSOLE_ERROR_CODE_RE.search(raw)
                    rec.error(f"{side}:{code.group(1) if code else raw[:80]}")
                    continue
                if raw.startswith(MESSAGE_FRAGMENT_PREFIX):
                    rec.frame(f"{side}:message", len(raw))
                elif raw.startswith(INBOX_ROW_PREFIX):
                    rec.frame(f"{side}:inbox-row", len(raw))
                else:
                    rec.frame(f"{side}:other", len(raw))
                if side != "agent":
                    continue
                # A visitor's message reached its agent: in the inbox row, or on screen.
                for token in TOKEN_RE.findall(raw):
                    if token.startswith("bv-"):
                        record = rec.records.get(token)
                        if record is not None and record.delivered is None:
                            rec.deliver(token, when)
                if raw.startswith(MESSAGE_FRAGMENT_PREFIX) and console.watching:
                    for token in REPLY_CLIENT_ID_RE.findall(raw):
                        record = rec.records.get(token)
                        pair = self.pairs[record.pair] if record is not None else None
                        if pair is not None and self.consoles[pair.agent_account] is console:
                            rec.ack(token, when)
                            self._acked(pair, "a2v", token)
                    ids = [int(i) for i in MESSAGE_ID_RE.findall(raw)]
                    conversation = console.watching
                    if ids and max(ids) > console.seen.get(conversation, 0):
                        console.seen[conversation] = max(ids)
                    self._read_later(console)
        except Exception as error:
            self._closed(side, error)

    def _read_later(self, console: Console) -> None:
        """As the console: one read mark per burst shown, the newest id, after a pause."""
        if console.read_task is not None and not console.read_task.done():
            return

        async def read():
            wait = max(READ_PAUSE_SECONDS, console.read_at + READ_EVERY_SECONDS - now())
            await asyncio.sleep(wait)
            conversation = console.watching
            newest = console.seen.get(conversation, 0)
            if newest > console.read_sent.get(conversation, 0):
                console.read_sent[conversation] = newest
                console.read_at = now()
                self.reads_sent += 1
                await console.ws.send(
                    json.dumps({"type": "read", "conversation": conversation, "up_to": newest})
                )

        console.read_task = asyncio.create_task(read())
        self.readers.append(console.read_task)

    # -- sending -------------------------------------------------------------------------

    async def _typing(self, ws, conversation: int, state: bool) -> None:
        self.typing_sent += 1
        await ws.send(json.dumps({"type": "typing", "conversation": conversation, "state": state}))

    async def human_send(self, pair: Pair, kind: str, token: str, t0: float) -> None:
        """Type, then send at t0 (the scheduled time latency counts from), then stop typing;
        an agent first opens the conversation if it is not the one on screen. A message whose
        frame had not left when the drain window closed (the sockets were backed up) is still
        the client's: waiting, not lost."""
        try:
            await self._human_send(pair, kind, token, t0)
        except asyncio.CancelledError:
            if token not in self.message_frames_sent:
                self.rec.records[token].held = True
            raise

    async def _human_send(self, pair: Pair, kind: str, token: str, t0: float) -> None:
        if kind == "v2a":
            await self._typing(pair.visitor_ws, pair.conversation, True)
            await asyncio.sleep(max(0.0, t0 - now()))
            await self.send_visitor(pair, token)
            self.message_frames_sent.add(token)
            await self._typing(pair.visitor_ws, pair.conversation, False)
            return
        console = self.consoles[pair.agent_account]
        if console.watching != pair.conversation:
            console.watching = pair.conversation
            self.watches_sent += 1
            await console.ws.send(
                json.dumps(
                    {
                        "type": "watch",
                        "conversation": pair.conversation,
                        "after": console.seen.get(pair.conversation, 0),
                    }
                )
            )
        await self._typing(console.ws, pair.conversation, True)
        await asyncio.sleep(max(0.0, t0 - now()))
        await self.send_agent(pair, token)
        self.message_frames_sent.add(token)
        if console.watching == pair.conversation:
            await self._typing(console.ws, pair.conversation, False)

    async def drive(self, rec: Recorder, *, rate: float, duration: float, phase: str, args):
        """An open Poisson arrival rate as drive() does, placed on conversations at human pace:
        a message goes to a conversation whose same side has not sent for --pace seconds."""
        rng = random.Random(f"{args.seed}-{phase}")
        pairs = [p for p in self.pairs if p.agent_ws is not None and p.visitor_ws is not None]
        lead = args.typing_lead
        last = {"v2a": {}, "a2v": {}}
        sends = Sends(rec)
        self.errors_at_start = dict(rec.errors)
        self.counts_at_start = (self.typing_sent, self.reads_sent, self.watches_sent)
        unplaced_at_start = self.unplaced

        share_acc = 0.0
        start = now() + lead
        scheduled = start
        sent = 0
        lag: list[float] = []
        while True:
            scheduled += rng.expovariate(rate)
            if scheduled - start >= duration:
                break
            delay = scheduled - lead - now()
            if delay > 0:
                await asyncio.sleep(delay)
            lag.append(max(0.0, now() - (scheduled - lead)))
            share_acc += args.agent_share
            kind = "v2a"
            if share_acc >= 1.0:
                share_acc -= 1.0
                kind = "a2v"
            pair = None
            for _attempt in range(50):
                candidate = pairs[rng.randrange(len(pairs))]
                previous = last[kind].get(candidate.index)
                if previous is None or scheduled - previous >= args.pace:
                    pair = candidate
                    break
            if pair is None:
                self.unplaced += 1
                continue
            last[kind][pair.index] = scheduled
            token = rec.token(kind, phase)
            rec.records[token] = Rec(kind, pair.index, scheduled, phase)
            sends.start(self.human_send(pair, kind, token, scheduled))
            sent += 1
        await asyncio.sleep(max(0.0, scheduled - now()))
        schedule_end = now()
        summary = await sends.drain(
            phase, sent=sent, start=start, schedule_end=schedule_end, lag=lag, drain=args.drain
        )
        return {**summary, "unplaced": self.unplaced - unplaced_at_start}

    def phase_stats(self, drive_out: dict) -> dict:
        """Refusals of every kind in the phase, and frames per second each console received
        (over whole seconds of the schedule)."""
        start, end = drive_out["start"], drive_out["schedule_end"]
        refusals = {
            code: count - self.errors_at_start.get(code, 0)
            for code, count in self.rec.errors.items()
            if count > self.errors_at_start.get(code, 0)
        }

        def rates(consoles: list[Console]) -> dict:
            per_socket = [window_rates(c.stamps, start, end) for c in consoles]
            every = sorted(n for counts in per_socket for n in counts)
            return {
                "sockets": len(consoles),
                "max": max(every, default=0),
                "p99": percentile(every, 99) or 0,
                "p50": percentile(every, 50) or 0,
                "per_socket_max": [max(counts, default=0) for counts in per_socket],
            }

        typing, reads, watches = (
            now_count - before
            for now_count, before in zip(
                (self.typing_sent, self.reads_sent, self.watches_sent),
                self.counts_at_start,
                strict=True,
            )
        )
        return {
            "topology": {
                "refusals": refusals,
                "refused_total": sum(refusals.values()),
                "supervisor_fps": rates(self.supervisors),
                "agent_fps": rates(self.consoles),
                "typing_sent": typing,
                "reads_sent": reads,
                "watches_sent": watches,
                "unplaced": drive_out.get("unplaced", 0),
            }
        }

    async def close(self) -> None:
        self.closing = True
        consoles = [c.ws for c in self.consoles + self.supervisors if c.ws is not None]
        await asyncio.gather(*(ws.close() for ws in consoles), return_exceptions=True)
        await super().close()


RELAY_TABLE_SQL = """
CREATE TABLE relay_message (
    id bigserial PRIMARY KEY,
    pair integer NOT NULL,
    client_id varchar(64) NOT NULL,
    sender varchar(8) NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (pair, client_id)
)
"""

# `--baseline channels`: bench/channels_floor.py's table, as relay_message.
FLOOR_TABLE_SQL = RELAY_TABLE_SQL.replace("relay_message", "floor_message")


class RelayTarget:
    """A baseline: a raw `websockets` relay, no Django, no channel layer; with `--baseline
    persisting`, one INSERT per message (as chat_message's row: the pair's id, the client id
    unique per pair, the body) before anything is sent. `--baseline channels` (the floor of our
    own stack, bench/channels_floor.py) speaks the same protocol, and its pairs span two
    processes as Destek's do (the channel layer carries the message across)."""

    def __init__(self, args, ports: list[int], recorder: Recorder, stack: BenchStack | None):
        self.args = args
        self.ports = ports
        self.rec = recorder
        self.stack = stack
        self.kind = args.baseline if stack is not None else "relay"
        self.name = {
            "relay": "baseline",
            "persisting": "baseline (persisting)",
            "channels": "channels floor",
        }[self.kind]
        self.table = "floor_message" if self.kind == "channels" else "relay_message"
        self.pairs: list[Pair] = []
        self.readers: list[asyncio.Task] = []
        self.http_latencies: list[float] = []
        self.http_status: dict[int, int] = {}

    async def setup(self) -> None:
        k = len(self.ports)
        # The relay has no cross-process bus: both sockets of a pair go to the same process.
        across = 1 if self.kind == "channels" else 0
        self.pairs = [
            Pair(index=i, visitor_port=self.ports[i % k], agent_port=self.ports[(i + across) % k])
            for i in range(self.args.visitors)
        ]

    def backend_pids(self) -> list[int]:
        return self.stack.backend_pids() if self.stack is not None else []

    async def open_sockets(self) -> None:
        await bounded_gather(
            self.args.setup_concurrency, (self._socket(p, "visitor") for p in self.pairs)
        )
        await bounded_gather(
            self.args.setup_concurrency,
            (self._socket(p, "agent") for p in self.pairs[: self.args.agents]),
        )

    async def _socket(self, pair: Pair, role: str) -> None:
        port = pair.visitor_port if role == "visitor" else pair.agent_port
        ws = await ws_connect(f"ws://127.0.0.1:{port}/")
        await ws.send(json.dumps({"role": role, "pair": pair.index}))
        await ws.recv()
        setattr(pair, f"{role}_ws", ws)
        self.readers.append(asyncio.create_task(self._read(ws, role)))

    async def _read(self, ws, role: str) -> None:
        rec = self.rec
        try:
            async for raw in ws:
                when = now()
                frame = json.loads(raw)
                rec.frame(f"{role}:{frame.get('type')}", len(raw))
                token = frame["message"]["client_id"]
                sender = frame["message"]["sender"]
                if sender == role:
                    rec.ack(token, when)
                else:
                    rec.deliver(token, when)
        except Exception:
            rec.closed_sockets += 1

    async def _send(self, ws, token: str) -> None:
        await ws.send(
            json.dumps({"type": "message.send", "client_id": token, "body": f"bench {token}"})
        )

    async def send_visitor(self, pair: Pair, token: str) -> None:
        await self._send(pair.visitor_ws, token)

    async def send_agent(self, pair: Pair, token: str) -> None:
        await self._send(pair.agent_ws, token)

    def persisted(self, phase: str) -> dict:
        if self.stack is None:
            return {"rows": None, "distinct": None}
        return self.stack.persisted(self.table, "pair", self.rec.token_pattern(phase))

    async def close(self) -> None:
        await pairs_close(self.pairs, self.readers)


async def relay_server(port: int) -> None:
    """`--relay-server PORT`: the baseline server process."""
    from websockets.asyncio.server import serve

    pairs: dict[int, dict[str, object]] = {}
    # One connection per process, its statements one after another, as Destek's one database
    # thread per process; autocommit: the INSERT is its own transaction (one round trip).
    database = None
    if os.environ.get("BENCH_RELAY_DATABASE_URL"):
        import psycopg

        database = await psycopg.AsyncConnection.connect(
            os.environ["BENCH_RELAY_DATABASE_URL"], autocommit=True
        )

    async def handler(ws):
        hello = json.loads(await ws.recv())
        role, pair = hello["role"], hello["pair"]
        other_role = "agent" if role == "visitor" else "visitor"
        members = pairs.setdefault(pair, {})
        members[role] = ws
        await ws.send('{"type":"ready"}')
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if database is not None:
                    await database.execute(
                        "INSERT INTO relay_message (pair, client_id, sender, body) "
                        "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                        (pair, frame["client_id"], role, frame["body"]),
                    )
                out = json.dumps(
                    {
                        "type": "message.new",
                        "message": {
                            "client_id": frame["client_id"],
                            "body": frame["body"],
                            "sender": role,
                        },
                    }
                )
                await ws.send(out)  # the sender's acknowledgement, like Destek's message.new
                other = members.get(other_role)
                if other is not None:
                    await other.send(out)
        finally:
            members.pop(role, None)

    # Compresses when the server under test does (and the clients offer it).
    compression = os.environ.get("BENCH_RELAY_COMPRESSION") or None
    async with serve(
        handler, "127.0.0.1", port, compression=compression, ping_interval=None, max_size=None
    ):
        await asyncio.Future()


# --------------------------------------------------------------------------------------------
# The load: an open arrival rate
# --------------------------------------------------------------------------------------------


async def drive(target, rec: Recorder, *, rate: float, duration: float, phase: str, args) -> dict:
    """Send at `rate` msg/s for `duration` s on the schedule, never waiting for answers."""
    rng = random.Random(f"{args.seed}-{phase}")
    pairs = [p for p in target.pairs if p.agent_ws is not None and p.visitor_ws is not None]
    if not pairs:
        raise RuntimeError("no complete pair of sockets to drive")
    sends = Sends(rec)
    agent_share = args.agent_share
    visitor_cursor = rng.randrange(len(pairs))
    agent_cursor = rng.randrange(len(pairs))
    share_acc = 0.0
    start = now()
    scheduled = start
    sent = 0
    lag: list[float] = []
    while True:
        if args.schedule == "poisson":
            scheduled += rng.expovariate(rate)
        else:
            scheduled = start + sent / rate
        if scheduled - start >= duration:
            break
        delay = scheduled - now()
        if delay > 0:
            await asyncio.sleep(delay)
        lag.append(now() - scheduled)
        share_acc += agent_share
        if share_acc >= 1.0:
            share_acc -= 1.0
            kind = "a2v"
            pair = pairs[agent_cursor % len(pairs)]
            agent_cursor += 1
        else:
            kind = "v2a"
            pair = pairs[visitor_cursor % len(pairs)]
            visitor_cursor += 1
        token = rec.token(kind, phase)
        rec.records[token] = Rec(kind, pair.index, scheduled, phase)
        sender = target.send_agent if kind == "a2v" else target.send_visitor
        sends.start(sender(pair, token))
        sent += 1
    schedule_end = now()
    return await sends.drain(
        phase, sent=sent, start=start, schedule_end=schedule_end, lag=lag, drain=args.drain
    )


def waiting(r: Rec) -> bool:
    return r.delivered is None and r.ack is None and bool(r.sheds or r.held)


def phase_result(target, rec: Recorder, *, phase: str, rate: float, duration: float, drive_out):
    records = [r for r in rec.records.values() if r.phase == phase]
    out = {"rate": rate, "duration": duration, "sent": len(records)}
    for kind in ("v2a", "a2v"):
        mine = [r for r in records if r.kind == kind]
        delivered = [r for r in mine if r.delivered is not None]
        out[kind] = {
            "sent": len(mine),
            "acked": sum(1 for r in mine if r.ack is not None),
            "delivered": len(delivered),
            # Refused as overloaded and still in the client's outbox when the drain window
            # closed: not lost (a widget keeps them and sends them later), not delivered yet.
            "waiting": sum(waiting(r) for r in mine),
            "lost": sum(1 for r in mine if r.delivered is None and not waiting(r)),
            "duplicated": sum(1 for r in mine if r.deliveries > 1),
            "errors": sum(1 for r in mine if r.error),
            "shed": sum(r.sheds for r in mine),
            "retried": sum(1 for r in mine if r.sheds),
            "latency_ms": {
                key: (value * 1000 if isinstance(value, float) else value)
                for key, value in latency_summary([r.delivered - r.t0 for r in delivered]).items()
            },
            "first_try_ms": {
                key: (value * 1000 if isinstance(value, float) else value)
                for key, value in latency_summary(
                    [r.delivered - r.t0 for r in delivered if not (r.sheds or r.held)]
                ).items()
            },
            "ack_ms": {
                key: (value * 1000 if isinstance(value, float) else value)
                for key, value in latency_summary(
                    [r.ack - r.t0 for r in mine if r.ack is not None]
                ).items()
            },
        }
    acks = [r.ack for r in records if r.ack is not None]
    start = drive_out["start"]
    out["offered_msgs"] = len(records) / duration
    out["acked"] = len(acks)
    out["sustained_msgs"] = len(acks) / max(duration, (max(acks) - start)) if acks else 0.0
    out["lost"] = out["v2a"]["lost"] + out["a2v"]["lost"]
    out["waiting"] = out["v2a"]["waiting"] + out["a2v"]["waiting"]
    out["duplicated"] = out["v2a"]["duplicated"] + out["a2v"]["duplicated"]
    out["schedule_lag_ms"] = {
        key: (value * 1000 if isinstance(value, float) else value)
        for key, value in drive_out["lag"].items()
    }
    out["send_failures"] = drive_out["send_failures"]
    persisted = target.persisted(phase)
    out["persisted"] = persisted["rows"]
    out["persisted_distinct"] = persisted["distinct"]
    out["persisted_msgs"] = persisted["rows"] / duration if persisted["rows"] is not None else None
    return out


async def run_phases(target, rec: Recorder, args, pids_fn) -> dict:
    """Warm up, then one measured phase (or the saturation steps)."""
    results = {"phases": []}
    steps = [args.rate]
    if args.saturate:
        steps = [float(s) for s in args.steps.split(",")]
    for index, rate in enumerate(steps):
        duration = args.step_duration if args.saturate else args.duration
        if args.warmup > 0:
            driver = target.drive if isinstance(target, TopologyTarget) else None
            warm = await (
                driver(rec, rate=rate, duration=args.warmup, phase=f"w{index}", args=args)
                if driver
                else drive(
                    target, rec, rate=rate, duration=args.warmup, phase=f"w{index}", args=args
                )
            )
            log(f"warm-up at {rate:g} msg/s: {warm['sent']} sent")
        gc.collect()
        rec.frames.clear()
        rec.frame_bytes.clear()
        monitor = getattr(target, "db_monitor", None)
        if monitor is not None:
            monitor.reset_peak()
            sessions_before = await asyncio.to_thread(monitor.sessions)
        profilers = []
        if args.profile and index == 0:
            profilers = start_profilers(args, pids_fn(), seconds=duration)
        backends = getattr(target, "backend_pids", list)
        before = CpuSnapshot.take(pids_fn(), await asyncio.to_thread(backends))
        if isinstance(target, TopologyTarget):
            drive_out = await target.drive(
                rec, rate=rate, duration=duration, phase=f"m{index}", args=args
            )
        else:
            drive_out = await drive(
                target, rec, rate=rate, duration=duration, phase=f"m{index}", args=args
            )
        cpu = CpuSnapshot.take(pids_fn(), await asyncio.to_thread(backends)).minus(before)
        if profilers:
            await asyncio.to_thread(finish_profilers, profilers)
        result = phase_result(
            target, rec, phase=f"m{index}", rate=rate, duration=duration, drive_out=drive_out
        )
        result["cpu_s"] = cpu
        if isinstance(target, TopologyTarget):
            result.update(target.phase_stats(drive_out))
        if monitor is not None:
            result["db_sessions_opened"] = (
                await asyncio.to_thread(monitor.sessions) - sessions_before
            )
            result["db_backends_peak"] = monitor.peak
        thousands = max(result["acked"], 1) / 1000
        result["cpu_s_per_1000"] = {
            key: value / thousands for key, value in cpu.items() if key not in ("wall", "machine")
        }
        ours = cpu["servers"] + cpu["postgres"] + cpu["redis"] + cpu["client"]
        cpu["other"] = max(0.0, cpu["machine"] - ours)
        result["frames"] = dict(rec.frames)
        result["errors"] = dict(rec.errors)
        result["closed_sockets"] = rec.closed_sockets
        result["unknown_tokens"] = rec.unknown_tokens
        result["frame_bytes"] = dict(rec.frame_bytes)
        results["phases"].append(result)
        print_phase(target.name, result)
        if args.saturate and result["acked"] < 0.5 * result["sent"]:
            log(f"step {rate:g} msg/s: under half acknowledged, the ramp stops here")
            break
    if args.saturate:
        passing = [p for p in results["phases"] if phase_passes(p)]
        results["saturation"] = passing[-1] if passing else None
        results["peak_persisted_msgs"] = max(
            (p["persisted_msgs"] or 0 for p in results["phases"]), default=0
        )
    return results


def start_profilers(args, pids: list[int], *, seconds: float) -> list[tuple]:
    """py-spy (pip install py-spy) samples each server process during the measured phase."""
    py_spy = Path(sys.executable).parent / "py-spy"
    out_dir = Path(args.profile)
    out_dir.mkdir(parents=True, exist_ok=True)
    profilers = []
    for pid in pids:
        path = out_dir / f"{args.server}-{args.layer}-{args.profile_mode}-{pid}.txt"
        process = subprocess.Popen(
            [
                str(py_spy),
                "record",
                "--pid",
                str(pid),
                "--rate",
                "200",
                "--duration",
                str(int(seconds)),
                "--format",
                "raw",
                "--output",
                str(path),
                "--nonblocking",
                *({"gil": ["--gil"], "active": [], "wall": ["--idle"]}[args.profile_mode]),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        profilers.append((process, path))
    return profilers


def finish_profilers(profilers: list[tuple]) -> None:
    for process, path in profilers:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        if path.exists():
            print(f"\nprofile {path}:")
            print(summarize_profile(path))


PROFILE_BUCKETS = [
    # label, regular expression matched against any frame of a sample (inclusive)
    ("sync threads (ORM, views, services)", r"SyncToAsync\.thread_handler"),
    ("event loop thread (daphne/twisted/asyncio)", r"BaseEventLoop\._run_once"),
    ("support.services.message_send", r"^message_send \(support/services/messages\.py\)"),
    ("  realtime.message_created (after commit)", r"^message_created \((chat|console)/realtime"),
    ("  realtime.read_marked (after commit)", r"^read_marked \((chat|console)/realtime"),
    (
        "  realtime.conversation_updated",
        r"^conversation_(updated|changed) \((chat|console)/realtime",
    ),
    ("  realtime.publish (async_to_sync publish)", r"^publish \(chat/realtime"),
    ("selectors.conversation_get_for_inbox_row", r"conversation_get_for_inbox_row"),
    ("selectors.conversation_get_for_agent", r"conversation_get_for_agent"),
    ("selectors.conversation_get_for_contact", r"conversation_get_for_contact"),
    ("render_to_string (templates)", r"^render_to_string \("),
    ("ORM: SQL compilation (SQLCompiler.as_sql)", r"^SQLCompiler\.as_sql"),
    ("ORM: cursor.execute (round trip + psycopg)", r"^CursorWrapper\.execute \("),
    ("ORM: querysets evaluated (compile + execute + rows)", r"^ModelIterable\.__iter__"),
    ("DB connect (new PostgreSQL connection)", r"^BaseDatabaseWrapper\.connect \("),
    ("DB close", r"^BaseDatabaseWrapper\.close \("),
    ("HTTP view: console message POST", r"^conversation_message_send \(console/views"),
    (
        "HTTP middleware (session, auth, csrf)",
        # Django's, not Channels' SessionMiddleware at the root of every consumer's stack.
        r"^(SessionMiddleware|AuthenticationMiddleware|CsrfViewMiddleware)\.\S+ \(django/",
    ),
    ("consumer: VisitorConsumer.on_message_send", r"^VisitorConsumer\.on_message_send"),
    (
        "consumer: console_html / visitor_frame (push)",
        r"^(ConsoleConsumer\.console_(html|inbox_row)|VisitorConsumer\.visitor_frame)",
    ),
    ("channels: dispatch of layer messages", r"^AsyncConsumer\.dispatch"),
    ("channels_redis (layer)", r"channels_redis/"),
    ("autobahn websocket protocol", r"autobahn/"),
    # Not uvicorn/main.py, the root of every event-loop stack.
    ("uvicorn/websockets protocol", r"(uvicorn/protocols/|websockets/)"),
    ("json / msgpack", r"(^dumps \(json|^loads \(json|msgpack)"),
]


def summarize_profile(path: Path, top: int = 30) -> str:
    """Inclusive and self share of py-spy's collapsed stacks, by function."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    buckets = {label: 0 for label, _ in PROFILE_BUCKETS}
    patterns = [(label, re.compile(rx)) for label, rx in PROFILE_BUCKETS]
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = [f.strip() for f in stack.split(";")]
        frames = [re.sub(r":\d+\)$", ")", f) for f in frames]  # by function, not line
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + samples
        own[frames[-1]] = own.get(frames[-1], 0) + samples
        for label, pattern in patterns:
            if any(pattern.search(f) for f in frames):
                buckets[label] += samples
    if not total:
        return "  (no samples)"
    lines = [f"  {total} samples; where the time goes (inclusive, buckets overlap):"]
    for label, samples in buckets.items():
        if samples:
            lines.append(f"  {100 * samples / total:5.1f}%  {label}")
    lines.append(f"  inclusive share by function (top {top}):")
    for frame, samples in sorted(inclusive.items(), key=lambda x: -x[1])[:top]:
        lines.append(f"  {100 * samples / total:5.1f}%  {frame[:150]}")
    lines.append("  self share (top 20):")
    for frame, samples in sorted(own.items(), key=lambda x: -x[1])[:20]:
        lines.append(f"  {100 * samples / total:5.1f}%  {frame[:150]}")
    return "\n".join(lines)


def phase_passes(phase: dict) -> bool:
    p99s = [phase[k]["latency_ms"]["p99"] for k in ("v2a", "a2v") if phase[k]["sent"]]
    return (
        phase["lost"] == 0
        and phase["waiting"] == 0
        and phase["duplicated"] == 0
        and all(p is not None and p <= TARGETS["saturation_p99_ms"] for p in p99s)
    )


# --------------------------------------------------------------------------------------------
# Printing
# --------------------------------------------------------------------------------------------


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


def print_phase(name: str, p: dict) -> None:
    print(f"\n[{name}] {p['rate']:g} msg/s offered for {p['duration']:g} s")
    print(
        f"  {'direction':<16}{'sent':>7}{'acked':>7}{'deliv':>7}{'lost':>6}{'dup':>5}{'err':>5}"
        f"{'p50':>9}{'p90':>9}{'p99':>9}{'max':>9}  (ms)"
    )
    for kind, label in (("v2a", "visitor->agent"), ("a2v", "agent->visitor")):
        d = p[kind]
        lat = d["latency_ms"]
        print(
            f"  {label:<16}{d['sent']:>7}{d['acked']:>7}{d['delivered']:>7}{d['lost']:>6}"
            f"{d['duplicated']:>5}{d['errors']:>5}{fmt(lat['p50']):>9}{fmt(lat['p90']):>9}"
            f"{fmt(lat['p99']):>9}{fmt(lat['max']):>9}"
        )
    for kind, label in (("v2a", "visitor ack"), ("a2v", "agent ack")):
        lat = p[kind]["ack_ms"]
        print(
            f"  {label:<16}{'':>37}{fmt(lat['p50']):>9}{fmt(lat['p90']):>9}"
            f"{fmt(lat['p99']):>9}{fmt(lat['max']):>9}"
        )
    for kind, label in (("v2a", "visitor"), ("a2v", "agent")):
        d = p[kind]
        if d["shed"]:
            print(
                f"  {label} sends refused as overloaded (shed) {d['shed']}, messages sent "
                f"again {d['retried']}; {d['first_try_ms']['n']} sent at once, never refused:"
                f" p50 {fmt(d['first_try_ms']['p50'])}, p99 {fmt(d['first_try_ms']['p99'])} ms"
            )
        if d["waiting"]:
            print(
                f"  {label}: {d['waiting']} refused messages were still waiting in the client's "
                "outbox when the drain window closed (not counted as lost; --drain longer)"
            )
    persisted = p["persisted"]
    print(
        f"  offered {p['offered_msgs']:.1f} msg/s, sustained (acked) {p['sustained_msgs']:.1f}"
        f" msg/s, persisted {fmt(persisted)}"
        + (f" ({p['persisted_msgs']:.1f} msg/s)" if persisted is not None else "")
        + f", schedule lag p99 {fmt(p['schedule_lag_ms']['p99'])} ms"
    )
    cpu = p["cpu_s"]
    per = p["cpu_s_per_1000"]
    print(
        f"  CPU s over {cpu['wall']:.1f} s wall: servers {cpu['servers']:.1f}, postgres "
        f"{cpu['postgres']:.1f} (this run's backends {cpu['postgres_db']:.1f}), redis "
        f"{cpu['redis']:.1f}, bench client {cpu['client']:.1f}"
        f"  | per 1,000 msgs: servers {per['servers']:.2f}, postgres {per['postgres']:.2f}"
        f" (backends {per['postgres_db']:.2f}), redis {per['redis']:.2f},"
        f" client {per['client']:.2f}"
    )
    if "other" in cpu:
        cores = len(os.sched_getaffinity(0))
        print(
            f"  machine busy {100 * cpu['machine'] / (cpu['wall'] * cores):.0f}% of {cores} cores;"
            f" other processes (not this run's) {cpu['other']:.1f} CPU s"
            + (
                "  <- background load: latencies are pessimistic"
                if cpu["other"] > 0.1 * cpu["wall"]
                else ""
            )
        )
    if "db_sessions_opened" in p:
        print(
            f"  PostgreSQL: {p['db_sessions_opened']} connections opened during the phase "
            f"({p['db_sessions_opened'] / max(p['sent'], 1):.2f} per message), "
            f"peak {p['db_backends_peak']} backends open"
        )
    frames = ", ".join(f"{k} {v}" for k, v in sorted(p["frames"].items()))
    print(f"  frames received: {frames}")
    if "topology" in p:
        t = p["topology"]
        refusals = ", ".join(f"{k} {v}" for k, v in sorted(t["refusals"].items())) or "none"
        print(f"  refusals of every kind (error frames, closes): {t['refused_total']} ({refusals})")
        print(
            f"  sent besides messages: typing {t['typing_sent']}, read marks {t['reads_sent']} "
            f"(consoles; widgets send one per agent message), watch {t['watches_sent']}"
            + (
                f"; {t['unplaced']} messages found no conversation free at human pace"
                if t["unplaced"]
                else ""
            )
        )
        for label, key in (("supervisor", "supervisor_fps"), ("agent", "agent_fps")):
            r = t[key]
            print(
                f"  frames/s received per {label} console ({r['sockets']} sockets, 1 s windows):"
                f" max {r['max']}, p99 {r['p99']}, p50 {r['p50']}"
            )
    if p.get("errors") or p.get("closed_sockets") or p.get("unknown_tokens"):
        print(
            f"  errors {p.get('errors')}, sockets closed {p.get('closed_sockets')}, "
            f"unknown tokens {p.get('unknown_tokens')}"
        )


def print_header(args, machine: dict, vers: dict, nofile: int) -> None:
    print("Destek realtime benchmark")
    print(
        f"machine: {machine['nproc']} cores ({machine['cpu']}), {machine['memory_gib']} GiB, "
        f"Linux {machine['kernel']}, Python {machine['python']}, RLIMIT_NOFILE {nofile}"
    )
    print("versions: " + ", ".join(f"{k} {v}" for k, v in vers.items()))
    print(f"code: {code_version()}")
    flags = {
        k: v for k, v in vars(args).items() if k not in ("relay_server", "json") and v is not None
    }
    print("flags: " + " ".join(f"{k}={v}" for k, v in flags.items()))


def print_summary(args, main: dict, baseline: dict | None, rss: dict | None) -> None:
    print("\n=== summary against the targets ===")
    phases = main["phases"]
    default_config = args.visitors >= 1000 and args.agents >= 1000
    if not args.saturate and phases:
        p = phases[0]
        at_target = default_config and abs(p["rate"] - 200) < 1e-9
        lat = p["v2a"]["latency_ms"]
        note = "" if at_target else "  (not the target configuration: shown, not judged)"
        ok50 = lat["p50"] is not None and lat["p50"] <= TARGETS["v2a_p50_ms"]
        ok99 = lat["p99"] is not None and lat["p99"] <= TARGETS["v2a_p99_ms"]
        print(
            f"visitor->agent p50 {fmt(lat['p50'])} ms (target <= 5)    "
            f"{verdict(ok50 if at_target else None)}{note}"
        )
        print(
            f"visitor->agent p99 {fmt(lat['p99'])} ms (target <= 25)   "
            f"{verdict(ok99 if at_target else None)}"
        )
        print(
            f"agent->visitor p50 {fmt(p['a2v']['latency_ms']['p50'])} ms, "
            f"p99 {fmt(p['a2v']['latency_ms']['p99'])} ms (no target)"
        )
        print(f"lost {p['lost']} (target 0)   {verdict(p['lost'] == 0)}")
        print(f"duplicated {p['duplicated']} (target 0)   {verdict(p['duplicated'] == 0)}")
    if args.saturate:
        sat = main.get("saturation")
        print(
            f"highest persisted rate seen in any step: {main['peak_persisted_msgs']:.1f} msg/s "
            "(whatever its latency)"
        )
        if sat is None:
            print("saturation: no step passed (p99 <= 100 ms, nothing lost)   MISS")
        else:
            ok = (sat["persisted_msgs"] or 0) >= TARGETS["saturation_msgs"]
            print(
                f"saturation: highest passing step {sat['rate']:g} msg/s offered, persisted "
                f"{fmt(sat['persisted_msgs'])} msg/s (target >= 1,000 with p99 <= 100 ms)   "
                f"{verdict(ok)}"
            )
    if phases and "topology" in phases[0]:
        for p in phases:
            t = p["topology"]
            supervisor = t["supervisor_fps"]
            print(
                f"topology at {p['rate']:g} msg/s: refusals {t['refused_total']} (target 0)   "
                f"{verdict(t['refused_total'] == 0)}; v2a p99 "
                f"{fmt(p['v2a']['latency_ms']['p99'])} ms (target <= 25)   "
                f"{verdict((p['v2a']['latency_ms']['p99'] or 1e9) <= 25)}; a supervisor console "
                f"received at most {supervisor['max']} frames/s (target <= 4)   "
                f"{verdict(supervisor['max'] <= 4) if supervisor['sockets'] else 'n/a'}"
            )
    if rss is not None:
        ok = rss["kb_per_socket"] <= TARGETS["rss_kb_per_socket"]
        print(
            f"RSS per idle socket {rss['kb_per_socket']:.1f} KB ({rss['delta_kb']} KB over "
            f"{rss['sockets']} sockets, {rss['before_kb']} -> {rss['after_kb']} KB in "
            f"{rss['processes']} processes) "
            f"(target <= {TARGETS['rss_kb_per_socket']:g})   {verdict(ok)}"
        )
    if baseline is not None and baseline["phases"] and phases:
        print_ratios(phases, baseline)


def ratio(ours, theirs, digits: int = 2) -> str:
    if not ours or not theirs:
        return "-"
    return f"{ours:.{digits}f}/{theirs:.{digits}f} = {ours / theirs:.2f}x"


def print_ratios(phases: list[dict], baseline: dict) -> None:
    """Ours against the baseline of the same run, phase by phase: CPU per message (servers,
    and this run's PostgreSQL backends, ms) and latency (ms)."""
    name = baseline.get("name", "baseline")
    print(f"\n=== ours/{name}, same run ===")
    for ours, base in zip(phases, baseline["phases"], strict=False):
        o_cpu, b_cpu = ours["cpu_s_per_1000"], base["cpu_s_per_1000"]
        print(f"at {ours['rate']:g} msg/s offered:")
        print(f"  server CPU per message (ms)      {ratio(o_cpu['servers'], b_cpu['servers'])}")
        database = ratio(o_cpu["postgres_db"], b_cpu["postgres_db"])
        print(
            f"  PostgreSQL CPU per message (ms)  {database}"
            f"  (every postgres process: {ratio(o_cpu['postgres'], b_cpu['postgres'])})"
        )
        both_o = o_cpu["servers"] + o_cpu["postgres_db"]
        both_b = b_cpu["servers"] + b_cpu["postgres_db"]
        print(f"  servers + PostgreSQL (ms)        {ratio(both_o, both_b)}")
        for kind, label in (("v2a", "visitor->agent"), ("a2v", "agent->visitor")):
            o, b = ours[kind]["latency_ms"], base[kind]["latency_ms"]
            print(
                f"  {label} p50 (ms)          {ratio(o['p50'], b['p50'], 1)}\n"
                f"  {label} p99 (ms)          {ratio(o['p99'], b['p99'], 1)}"
            )


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


async def measure_rss(pids: list[int]) -> int:
    await asyncio.sleep(1.0)
    return sum(rss_kb(pid) for pid in pids)


async def run_destek(args, stack: BenchStack) -> tuple[dict, dict]:
    await settle(limit=args.settle)
    log(f"database {stack.name}, Redis db {args.redis_db}, layer {args.layer}")
    stack.create_database()
    stack.manage("migrate", "--noinput", "-v0")
    stack.manage("seed_demo")
    ports = stack.start_servers(args.processes)
    log(f"{args.server} on ports {ports} (pids {stack.pids})")
    rec = Recorder(run_id=secrets.token_hex(3))
    target = (TopologyTarget if args.agents_per_team else DestekTarget)(args, stack, ports, rec)
    target.db_monitor = monitor = DbMonitor(stack).start()
    try:
        await target.setup()
        log(f"database backends now {monitor.current}, peak {monitor.peak} during setup")
        # The first sockets warm the servers up (imports, caches, connections): RSS per idle
        # socket is measured over the sockets opened after them.
        warm = max(2 * args.processes, len(target.pairs) // 10)
        await target.open_sockets(target.pairs[:warm])
        before_kb = await measure_rss(stack.pids)
        sockets = await target.open_sockets(target.pairs[warm:])
        after_kb = await measure_rss(stack.pids)
        rss = {
            "before_kb": before_kb,
            "after_kb": after_kb,
            "delta_kb": after_kb - before_kb,
            "sockets": sockets,
            "processes": len(stack.pids),
            "kb_per_socket": (after_kb - before_kb) / sockets,
        }
        log(f"RSS {before_kb} -> {after_kb} KB for {sockets} sockets")
        gc.freeze()  # the client's own setup garbage is no longer scanned during the run
        results = await run_phases(target, rec, args, lambda: stack.pids)
        results["http_agent_ms"] = {
            k: (v * 1000 if isinstance(v, float) else v)
            for k, v in latency_summary(target.http_latencies).items()
        }
        results["http_status"] = target.http_status
        results["errors"] = dict(rec.errors)
        results["closed_sockets"] = rec.closed_sockets
        results["unknown_tokens"] = rec.unknown_tokens
        results["rss_after_load_kb"] = sum(rss_kb(pid) for pid in stack.pids)
        results["server_tracebacks"] = stack.server_errors()
        if "trace" in (args.experiment or []):
            results["stages_ms"] = stage_breakdown(stack.server_logs())
            print("\nvisitor->agent inside the servers (--experiment trace), ms:")
            for name, p50, p90 in results["stages_ms"]:
                print(f"  {name:<72} p50 {p50:6.2f}  p90 {p90:6.2f}")
        if rec.errors:
            log(f"errors: {dict(list(rec.errors.items())[:10])}")
        if any(results["server_tracebacks"].values()):
            log("server tracebacks:\n" + stack.server_log_tail())
    finally:
        await target.close()
        monitor.stop()
    return results, rss


def cpu_busy_fraction(interval: float = 1.0) -> float:
    """How busy the whole machine was over `interval` seconds (from /proc/stat)."""

    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields), idle

    total0, idle0 = sample()
    time.sleep(interval)
    total1, idle1 = sample()
    return 1 - (idle1 - idle0) / max(total1 - total0, 1)


async def settle(limit: float = 30.0) -> None:
    """Wait for a quiet machine (e.g. PostgreSQL backends finishing the last run's backlog)."""
    deadline = now() + limit
    busy = 1.0
    while now() < deadline:
        busy = await asyncio.to_thread(cpu_busy_fraction)
        if busy < 0.15:
            return
    log(f"the machine is still {busy:.0%} busy after {limit:g} s of waiting; going on")


async def run_channels_floor(args, stack: BenchStack) -> dict:
    """`--baseline channels`: bench/channels_floor.py on the same server, processes, layer and
    database settings as Destek (its own table, its own Redis prefix)."""
    if not stack.database_created:
        stack.create_database()
    stack.query(FLOOR_TABLE_SQL)
    env = {
        **stack.env,
        "BENCH_FLOOR_DATABASE_URL": stack.database_url,
        "CHANNEL_LAYER_PREFIX": f"{stack.name}-floor",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the floor configures its own settings
    ports = stack.start_servers(
        args.processes, asgi_app="bench.channels_floor:application", env=env
    )
    log(f"channels floor: {args.server} on ports {ports} (pids {stack.pids})")
    rec = Recorder(run_id=secrets.token_hex(3))
    target = RelayTarget(args, ports, rec, stack)
    try:
        await target.setup()
        await target.open_sockets()
        results = await run_phases(target, rec, args, lambda: stack.pids)
        results["name"] = target.name
        results["server_tracebacks"] = stack.server_errors()
        if any(results["server_tracebacks"].values()):
            log("channels floor tracebacks:\n" + stack.server_log_tail())
        return results
    finally:
        await target.close()
        stack.stop_servers()


async def run_baseline(args, stack: BenchStack) -> dict:
    if args.baseline == "channels":
        return await run_channels_floor(args, stack)
    ports = [free_port() for _ in range(args.processes)]
    env = dict(os.environ)
    persisting = args.baseline == "persisting"
    if persisting:
        if not stack.database_created:
            stack.create_database()
        stack.query(RELAY_TABLE_SQL)
        env["BENCH_RELAY_DATABASE_URL"] = stack.database_url
    processes = [
        subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--relay-server", str(port)],
            cwd=ROOT,
            env=env,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_for_port(port, process=process)
        rec = Recorder(run_id=secrets.token_hex(3))
        target = RelayTarget(args, ports, rec, stack if persisting else None)
        await target.setup()
        await target.open_sockets()
        try:
            results = await run_phases(target, rec, args, lambda: [p.pid for p in processes])
            results["name"] = target.name
            return results
        finally:
            await target.close()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            if process.poll() is None:
                process.kill()


async def amain(args, stack: BenchStack) -> dict:
    main, rss, baseline = {"phases": []}, None, None
    if not args.only_baseline:
        main, rss = await run_destek(args, stack)
        stack.stop_servers()
    if not args.skip_baseline:
        await settle(limit=args.settle)
        log(f"baseline: {args.baseline}")
        baseline = await run_baseline(args, stack)
    if args.only_baseline:
        # The baseline's figures are judged as ours would be: how far is the floor from them?
        main, baseline = baseline, None
    print_summary(args, main, baseline, rss)
    return {"main": main, "baseline": baseline, "rss": rss}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", "-k", type=int, default=2, help="server processes")
    parser.add_argument("--visitors", "-v", type=int, default=1000, help="visitors = conversations")
    parser.add_argument(
        "--agents", "-a", type=int, default=None, help="console sockets (default = visitors)"
    )
    parser.add_argument(
        "--agent-accounts",
        type=int,
        default=0,
        help="0 (default): one bench agent per console socket, conversation i assigned to it "
        "(a fixture), so each socket gets its own conversation's fragments and inbox rows; "
        "1: every console socket is the demo agent logged in over HTTP, so every inbox row "
        "goes to every console socket (the inbox fan-out stress case); N: N bench agents",
    )
    topology = parser.add_argument_group(
        "realistic topology",
        "teams of agents, each working many conversations in one console, supervisors "
        "watching everything, humans' pacing (TopologyTarget); --agents-per-team turns it on "
        "and sets --visitors to teams x agents x conversations",
    )
    topology.add_argument("--agents-per-team", type=int, default=0, help="e.g. 50")
    topology.add_argument("--conversations-per-agent", type=int, default=20)
    topology.add_argument("--teams", type=int, default=1)
    topology.add_argument(
        "--supervisors", type=int, default=2, help="consoles that get every inbox row"
    )
    topology.add_argument(
        "--pace",
        type=float,
        default=3.0,
        help="seconds between two messages of one side in one conversation, at least",
    )
    topology.add_argument(
        "--typing-lead",
        type=float,
        default=1.0,
        help="a sender's typing starts this long before its message (and stops after it)",
    )
    parser.add_argument(
        "--conversations",
        choices=("answered", "queued"),
        default="answered",
        help="how the pairs' conversations start (with one bench agent per socket): answered "
        "= open, assigned, the first reply given (every measured message is a steady-state "
        "one); queued = waiting for the agent's first reply (runs before 8 Dec measured this: "
        "~85%% of a 20 s run's agent replies were first replies)",
    )
    parser.add_argument("--rate", "-r", type=float, default=200.0, help="total msg/s offered")
    parser.add_argument("--duration", "-d", type=float, default=30.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first")
    parser.add_argument("--drain", type=float, default=5.0, help="wait for answers after the run")
    parser.add_argument(
        "--agent-share", type=float, default=0.5, help="fraction of the rate sent by agents"
    )
    parser.add_argument("--schedule", choices=("poisson", "fixed"), default="poisson")
    parser.add_argument("--layer", choices=("pubsub", "core"), default="pubsub")
    parser.add_argument(
        "--server",
        choices=("uvicorn", "daphne"),
        default="uvicorn",
        help="uvicorn: the production web process (Procfile); daphne: the development server, "
        "and what sessions 1-3 measured",
    )
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--baseline",
        choices=("channels", "relay", "persisting"),
        default="channels",
        help="channels (the floor of our own stack): a bare Channels consumer on the same "
        "server, processes, channel layer and database settings, one INSERT ... ON CONFLICT DO "
        "NOTHING through database_sync_to_async and one group_send per message, no "
        "authentication (bench/channels_floor.py); relay: a raw websockets relay, no database; "
        "persisting: that relay also INSERTs each message (its own transaction) first",
    )
    parser.add_argument(
        "--only-baseline", action="store_true", help="run the baseline alone (not Destek)"
    )
    parser.add_argument(
        "--compression",
        choices=("deflate", "none"),
        default="deflate",
        help="what the clients offer: deflate = permessage-deflate, as browsers and webviews "
        "always do (sessions 1-4 measured none)",
    )
    parser.add_argument(
        "--server-deflate",
        action="store_true",
        help="let uvicorn accept permessage-deflate (its default; the Procfile turns it off)",
    )
    parser.add_argument(
        "--no-read-receipts",
        dest="read_receipts",
        action="store_false",
        help="clients do not send `read` frames (the real widget and console send one for each "
        "message from the other side they show; runs before 26 Nov did not)",
    )
    parser.add_argument("--saturate", action="store_true", help="ramp the rate up in steps")
    parser.add_argument("--steps", default="200,400,800,1200,1600", help="saturation steps")
    parser.add_argument("--step-duration", type=float, default=15.0)
    parser.add_argument(
        "--setup",
        choices=("http", "fixture"),
        default="fixture",
        help="create visitors in bulk in the database (fixture, seconds) or through the widget "
        "API (http: POST session + POST conversations, ~1-2 minutes for 1,000 here)",
    )
    parser.add_argument("--redis-db", type=int, default=9)
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=0,
        help="DB_CONN_MAX_AGE of the servers (0, as shipped; > 0 leaks a connection per HTTP "
        "request under ASGI, Django #33497: PostgreSQL runs out of connections)",
    )
    parser.add_argument(
        "--experiment",
        action="append",
        choices=("pool", "gcfreeze", "switchinterval", "trace"),
        help="what-if overlay, repeatable: pool = Django's psycopg pool; "
        "gcfreeze = gc.freeze() + higher GC thresholds; "
        "switchinterval = sys.setswitchinterval(0.0005), the GIL handed over 10x as often; "
        "trace = log when each step of a visitor's message happens and print the stages",
    )
    parser.add_argument("--setup-concurrency", type=int, default=16)
    parser.add_argument(
        "--agent-reply",
        choices=("socket", "http"),
        default="socket",
        help="how agents reply: over the console socket, as the console does while it is open, "
        "or the reply POST (its fallback, and how sessions 1-3 measured)",
    )
    parser.add_argument("--http-concurrency", type=int, default=32, help="per server process")
    parser.add_argument("--seed", default="destek")
    parser.add_argument(
        "--settle", type=float, default=60.0, help="wait at most this long for a quiet machine"
    )
    parser.add_argument("--debug", action="store_true", help="run the servers with DEBUG=1")
    parser.add_argument("--keep-tmp", action="store_true", help="keep the server logs")
    parser.add_argument("--json", help="also write the results as JSON to this file")
    parser.add_argument(
        "--profile", help="py-spy each server during the first measured phase, into this folder"
    )
    parser.add_argument(
        "--profile-mode",
        choices=("gil", "active", "wall"),
        default="gil",
        help="gil: only the thread holding the GIL (where CPU goes); active: every thread not "
        "idle; wall: every thread, idle too",
    )
    parser.add_argument(
        "--time-limit", type=float, default=600.0, help="abort the whole run after this many s"
    )
    parser.add_argument("--relay-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.only_baseline and args.skip_baseline:
        parser.error("--only-baseline and --skip-baseline exclude each other")
    if args.agents_per_team:
        args.visitors = args.teams * args.agents_per_team * args.conversations_per_agent
        args.agents = args.visitors
        top_rate = max(
            [args.rate] + ([float(x) for x in args.steps.split(",")] if args.saturate else [])
        )
        most = args.visitors / args.pace * 0.8  # room to place each message at human pace
        for share in (args.agent_share, 1 - args.agent_share):
            if top_rate * share > most:
                parser.error(
                    f"{top_rate * share:g} msg/s from one side across {args.visitors} "
                    f"conversations is more than one per {args.pace:g} s each allows: lower "
                    "--rate or open more conversations"
                )
    if args.agents is None:
        args.agents = args.visitors
    args.agents = min(args.agents, args.visitors)
    if args.agent_accounts == 0:
        args.agent_accounts = max(1, args.agents) if args.agents > 1 else 2
    pairs = max(1, args.agents)
    top = max([args.rate] + ([float(s) for s in args.steps.split(",")] if args.saturate else []))
    per_socket = top * (1 - args.agent_share) / pairs
    if per_socket > SOCKET_FRAME_LIMIT_PER_SECOND * 0.75:
        parser.error(
            f"{per_socket:.2f} frames/s per visitor socket would hit the server's per-socket "
            "frame limit (20 per 10 s): open more sockets or lower the rate"
        )
    return args


def main(argv=None) -> int:
    global WS_COMPRESSION
    args = parse_args(argv)
    WS_COMPRESSION = None if args.compression == "none" else args.compression
    if WS_COMPRESSION and args.server_deflate:
        os.environ["BENCH_RELAY_COMPRESSION"] = WS_COMPRESSION
    if args.relay_server:
        asyncio.run(relay_server(args.relay_server))
        return 0
    nofile = raise_nofile_limit()
    print_header(args, machine_summary(), versions(), nofile)
    tmp = Path(tempfile.mkdtemp(prefix="destek-bench-"))
    stack = BenchStack(args, tmp)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    def on_alarm(_signum, _frame):
        raise TimeoutError(f"the run took longer than --time-limit {args.time_limit:g} s")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(args.time_limit))
    code = 0
    try:
        results = asyncio.run(amain(args, stack))
        if args.json:
            Path(args.json).write_text(json.dumps({"args": vars(args), **results}, indent=1))
    except (KeyboardInterrupt, TimeoutError) as error:
        log(f"interrupted: {error!r}")
        code = 130
    except Exception:
        log("failed; server log tails follow")
        log(stack.server_log_tail())
        raise
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.cleanup()
        if args.keep_tmp:
            log(f"server logs kept in {tmp}")
        else:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
        log(f"cleaned up: servers stopped, database {stack.name} dropped")
    return code


if __name__ == "__main__":
    sys.exit(main())
