"""Scale-out: two daphne processes share PostgreSQL and Redis, as behind a load balancer.

The visitor's socket is served by one process and the agent's console (socket and HTTP) by
the other, so every message crosses the Redis channel layer between processes, both ways.
A Celery worker in its own process is proven by tests/support/test_worker.py; the whole
Procfile layout (two daphne, worker, beat) by tests/config/test_procfile.py.
"""

import json
import os
import time

import pytest
from websockets.sync.client import connect

from tests.stack import ConsoleSession, Stack, widget_post

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="two processes share PostgreSQL: needs DATABASE_URL (CI sets it)",
    ),
]


@pytest.fixture
def stack(tmp_path):
    built = Stack(tmp_path)
    built.env["CELERY_TASK_ALWAYS_EAGER"] = "1"
    built.setup()
    # No bot: the visitor's message goes straight to a person.
    built.manage(
        "shell",
        "-c",
        "from support.models import Widget; "
        "Widget.objects.filter(key='demo').update(bot_enabled=False)",
    )
    yield built
    built.stop()


def receive_until(socket, predicate, timeout: float = 15):
    deadline = time.monotonic() + timeout
    seen = []
    while (remaining := deadline - time.monotonic()) > 0:
        data = socket.recv(timeout=remaining)
        seen.append(data)
        if predicate(data):
            return data
    raise AssertionError(f"not received within {timeout} s; got {seen[-5:]}")


def test_a_message_crosses_between_two_daphne_processes_both_ways(stack):
    visitor_port = stack.start_server()
    agent_port = stack.start_server()
    assert visitor_port != agent_port

    session = widget_post(visitor_port, "session", {"widget_key": "demo", "locale": "en"})
    token = session["visitor_token"]
    conversation = widget_post(
        visitor_port, "conversations", {"body": "Hello from A", "client_id": "first"}, token
    )
    conversation_id = conversation["id"]
    agent = ConsoleSession(agent_port, "agent", "agent-demo-123")

    with (
        connect(f"ws://127.0.0.1:{visitor_port}/ws/widget/") as visitor,
        connect(
            f"ws://127.0.0.1:{agent_port}/ws/console/",
            additional_headers={"Cookie": agent.cookie_header()},
        ) as console,
    ):
        visitor.send(json.dumps({"type": "auth", "visitor_token": token}))
        assert json.loads(visitor.recv(timeout=10))["type"] == "auth.ok"
        visitor.send(json.dumps({"type": "subscribe", "conversation": conversation_id}))
        receive_until(visitor, lambda data: json.loads(data)["type"] == "subscribed")
        console.send(json.dumps({"type": "watch", "conversation": conversation_id}))
        console.send(
            json.dumps({"type": "ping"})
        )  # frames run in order: the pong follows the watch
        receive_until(console, lambda data: "pong" in data)

        # Visitor (process A) to agent (process B), over the channel layer.
        visitor.send(
            json.dumps(
                {
                    "type": "message.send",
                    "conversation": conversation_id,
                    "body": "crossing-to-B",
                    "client_id": "v-1",
                }
            )
        )
        fragment = receive_until(
            console, lambda data: "crossing-to-B" in data and "#message-list" in data
        )
        assert 'id="message-' in fragment

        # Agent (process B, HTTP and socket) to visitor (process A).
        assert agent.reply(conversation_id, "crossing-to-A", "a-1") == 204
        frame = json.loads(
            receive_until(
                visitor,
                lambda data: json.loads(data).get("message", {}).get("client_id") == "a-1",
            )
        )
        assert frame["type"] == "message.new"
        assert frame["message"]["body"] == "crossing-to-A"
        assert frame["message"]["sender"]["type"] == "agent"

    # Both processes served their side, and neither logged an error.
    for port in (visitor_port, agent_port):
        assert "Traceback" not in stack.log(port), stack.log(port)
