"""The Procfile starts the production layout: honcho runs two uvicorn processes, a Celery
worker and beat against one throwaway PostgreSQL database and Redis.

A chat crosses between the two web processes both ways, and the visitor's out-of-hours
reply is a Celery task that only the worker process runs (tasks are not eager here).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.stack import CLOSE_GENERAL_TEAM, ROOT, Stack, chat_round_trip, wait_for_port

HONCHO = shutil.which("honcho", path=str(Path(sys.executable).parent)) or shutil.which("honcho")

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="the processes share PostgreSQL: needs DATABASE_URL (CI sets it)",
    ),
    pytest.mark.skipif(HONCHO is None, reason="honcho is not installed (dev extra)"),
]


def two_free_ports() -> int:
    """A base port with the next one free too: honcho gives web.1 $PORT, web.2 $PORT+1."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            base = first.getsockname()[1]
            try:
                with socket.socket() as second:
                    second.bind(("127.0.0.1", base + 1))
            except OSError:
                continue
        return base
    raise RuntimeError("no two consecutive free ports")


@pytest.fixture
def layout(seeded_stack, tmp_path):
    stack = Stack(tmp_path)
    stack.setup(copy_of=seeded_stack)
    stack.manage("shell", "-c", CLOSE_GENERAL_TEAM)
    env = {
        **stack.env,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_BEAT_SCHEDULE": str(tmp_path / "celerybeat-schedule"),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
    base = two_free_ports()
    log_path = tmp_path / "honcho.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed below
    command = [HONCHO, "-f", str(ROOT / "Procfile"), "start", "-p", str(base)]
    process = subprocess.Popen(
        [*command, "-c", "web=2,worker=1,beat=1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as a whole below
    )
    try:
        for port in (base, base + 1):
            wait_for_port(port, timeout=60, process=process)
        deadline = time.monotonic() + 60
        while b" ready." not in log_path.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield base, base + 1, log_path
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()
        stack.stop()


def test_the_procfile_layout_serves_a_chat_across_processes_with_a_worker(layout):
    first_web, second_web, log_path = layout

    def auto_reply(visitor, conversation_id):
        # Stored by the worker process; it may predate the socket, so resume from the start.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            visitor.send(json.dumps({"type": "subscribe", "conversation": conversation_id}))
            frames = []
            while (frame := json.loads(visitor.recv(timeout=10)))["type"] != "subscribed":
                frames.append(frame)
            bodies = [
                f["message"]["body"]
                for f in frames
                if f["type"] == "message.new" and f["message"]["sender"]["type"] == "bot"
            ]
            if any("We're back" in body for body in bodies):
                return
            time.sleep(0.5)
        raise AssertionError("no out-of-hours reply from the worker")

    chat_round_trip(
        visitor_port=first_web, agent_port=second_web, topic="order", on_visitor_socket=auto_reply
    )

    log = log_path.read_text(errors="replace")
    assert "web.1" in log and "web.2" in log
    assert "beat: Starting" in log, log
    assert "support.tasks.after_hours_reply" in log, log
    assert "Traceback" not in log, log
