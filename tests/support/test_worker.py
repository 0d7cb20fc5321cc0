"""A real Celery worker on Redis: a visitor's HTTP message enqueues the out-of-hours reply,
a prefork worker process runs it, and the reply reaches the visitor's websocket through the
web process.

The worker, the web process and the migrations share one throwaway database (tests/stack.py) and a
channel-layer prefix and queue of their own. Two conversations prove the worker publishes
more than once (channels_redis #332: "Event loop is closed" on the second async_to_sync).
"""

import json
import time

import pytest
from websockets.sync.client import connect

from tests.stack import CLOSE_GENERAL_TEAM, Stack
from tests.stack import widget_post as post

pytestmark = pytest.mark.redis


@pytest.fixture
def stack(seeded_stack, tmp_path):
    built = Stack(tmp_path)
    built.env["CELERY_TASK_ALWAYS_EAGER"] = "0"
    built.setup(copy_of=seeded_stack)
    built.manage("shell", "-c", CLOSE_GENERAL_TEAM)
    yield built
    built.stop()


@pytest.fixture
def worker(stack):
    with stack.celery_worker("--pool=prefork", "--concurrency=1") as log_path:
        yield log_path


def bot_message(socket, conversation_id: int, timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no bot message for conversation {conversation_id}")
        frame = json.loads(socket.recv(timeout=remaining))
        if frame["type"] != "message.new":
            continue
        message = frame["message"]
        if message["conversation"] == conversation_id and message["sender"]["type"] == "bot":
            return message


# Synchronous on purpose: the browser tests keep Playwright's loop running in this thread for
# the whole session, so an asyncio test after them could not start its own loop.
def test_worker_runs_the_auto_reply_and_it_reaches_the_visitors_socket(stack, worker):
    port = stack.start_server()
    session = post(port, "session", {"widget_key": "demo", "locale": "en"})
    token = session["visitor_token"]

    with connect(f"ws://127.0.0.1:{port}/ws/widget/") as socket:
        socket.send(json.dumps({"type": "auth", "visitor_token": token}))
        assert json.loads(socket.recv(timeout=10))["type"] == "auth.ok"

        for attempt in range(2):
            conversation = post(
                port,
                "conversations",
                {"body": f"Hello #{attempt}", "client_id": f"first-{attempt}", "topic": "order"},
                token,
            )
            reply = bot_message(socket, conversation["id"])
            assert "We're back" in reply["body"], reply

    log = worker.read_text()
    assert log.count("support.tasks.after_hours_reply") >= 2, log
    assert "Event loop is closed" not in log
    assert "Traceback" not in log, log
