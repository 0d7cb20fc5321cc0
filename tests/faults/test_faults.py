"""Fault tests on the real stack (tests/stack.py: a throwaway database, web server subprocesses):
Redis restarted mid-chat, a web process killed, PostgreSQL briefly unreachable. A visitor
(socket, resume by message id, outbox) and an agent (console HTTP, retried by client id) keep
chatting through the fault; afterwards every message exists exactly once and the visitor saw
each one, counted by client ids.

Marked `faults`: run by `.ci/run` as its own required step (needs PostgreSQL; starts its own
Redis and its own proxy, never touching the shared services):

    DESTEK_FAULT_TESTS=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/x \
        .venv/bin/pytest tests/faults
"""

import asyncio
import os
import time
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.stack import Stack

from .harness import Agent, CuttableProxy, PrivateRedis, Visitor, http_json

pytestmark = [pytest.mark.faults]

SUPERVISOR = ("supervisor", "supervisor-demo-123")
MESSAGES_EACH = 12


@pytest.fixture
def stack(tmp_path):
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("fault tests need PostgreSQL (DATABASE_URL)")
    redis = PrivateRedis()
    redis.start()
    proxy = CuttableProxy(target_port=urlsplit(os.environ["DATABASE_URL"]).port or 5432)
    stack = Stack(tmp_path)
    stack.env.update(
        {
            "REDIS_URL": redis.url,
            "DESTEK_SESSION_RATE_LIMIT": "0",
            "DB_POOL_MAX_SIZE": "4",
        }
    )
    stack.setup()  # migrations go straight to PostgreSQL
    parts = urlsplit(stack.env["DATABASE_URL"])
    stack.env["DATABASE_URL"] = urlunsplit(
        parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}")
    )
    stack.redis, stack.proxy = redis, proxy
    yield stack
    stack.stop()
    proxy.close()
    redis.stop()


def open_chat(port: int) -> tuple[str, int]:
    base = f"http://127.0.0.1:{port}"
    status, session = http_json(base, "POST", "/api/widget/v1/session", {"widget_key": "demo"})
    assert status == 200, status
    token = session["visitor_token"]
    status, conversation = http_json(
        base,
        "POST",
        "/api/widget/v1/conversations",
        {"body": "first", "client_id": "v-0", "topic": "order"},
        token=token,
    )
    assert status in (200, 201), status
    return token, conversation["id"]


async def chat_through(stack, ports: list[int], fault, *, visitor_ports=None):
    """Visitor and agent each send MESSAGES_EACH messages; `fault()` runs halfway."""
    token, conversation = await asyncio.to_thread(open_chat, ports[0])
    agent = await asyncio.to_thread(Agent, ports, *SUPERVISOR)
    visitor = Visitor(visitor_ports or ports, token, conversation)
    runner = asyncio.create_task(visitor.run())
    resender = asyncio.create_task(visitor.resend_forever())
    pinger = asyncio.create_task(visitor.ping_forever())
    deadline = time.monotonic() + 90
    for n in range(1, MESSAGES_EACH + 1):
        await visitor.send(f"v-{n}", f"visitor says {n}")
        await asyncio.to_thread(
            agent.send, conversation, f"a-{n}", f"agent says {n}", deadline=deadline
        )
        if n == MESSAGES_EACH // 2:
            await asyncio.to_thread(fault)
        await asyncio.sleep(0.1)
    expected = {f"v-{n}" for n in range(MESSAGES_EACH + 1)} | {
        f"a-{n}" for n in range(1, MESSAGES_EACH + 1)
    }
    while time.monotonic() < deadline and not expected <= visitor.client_ids():
        await asyncio.sleep(0.2)
    visitor.stopped = True
    runner.cancel()
    resender.cancel()
    pinger.cancel()
    return visitor, conversation, expected


def stored_client_ids(stack, conversation: int) -> list[str]:
    output = stack.manage(
        "shell",
        "-c",
        "from support.models import Message; "
        f"print('|'.join(Message.objects.filter(conversation_id={conversation})"
        ".exclude(client_id=None).order_by('id').values_list('client_id', flat=True)))",
    )
    return output.strip().splitlines()[-1].split("|")


def assert_nothing_lost_or_doubled(stack, visitor, conversation, expected):
    stored = stored_client_ids(stack, conversation)
    assert sorted(stored) == sorted(expected), "every message stored exactly once"
    assert expected <= visitor.client_ids(), (
        f"the visitor missed {sorted(expected - visitor.client_ids())}"
    )
    # The visitor's view, merged by id, shows each message once: no retried send became a
    # second message under another id.
    shown = [m["client_id"] for m in visitor.received.values() if m.get("client_id")]
    assert len(shown) == len(set(shown)), f"shown twice: {sorted(shown)}"
    # A message reaches the visitor twice only as the answer to its own retried send (a known
    # client id is acknowledged again with the first message); everything pushed to it, the
    # agent's replies included, arrives once across every reconnect: it resumes after the
    # newest id it has and each socket sends a message once.
    assert set(visitor.frames_seen) == set(visitor.received)
    retried = {client_id for client_id, sends in visitor.sends.items() if sends > 1}
    doubled = {i for i in visitor.frames_seen if visitor.frames_seen.count(i) > 1}
    unexplained = sorted(i for i in doubled if visitor.received[i].get("client_id") not in retried)
    assert not unexplained, f"delivered more than once: {unexplained}, retried: {sorted(retried)}"


def test_a_web_process_killed_mid_chat(stack):
    first, second = stack.start_server(), stack.start_server()

    def fault():
        stack.kill_server(first)

    visitor, conversation, expected = asyncio.run(chat_through(stack, [first, second], fault))
    stack.proxy.restore()
    assert visitor.reconnects >= 1
    assert_nothing_lost_or_doubled(stack, visitor, conversation, expected)


def redis_restarted(stack):
    stack.redis.stop()
    time.sleep(1.0)
    stack.redis.start()


def postgresql_briefly_unreachable(stack):
    stack.proxy.cut()
    time.sleep(2.0)
    stack.proxy.restore()


@pytest.mark.parametrize("fault", [redis_restarted, postgresql_briefly_unreachable])
def test_one_web_process_through_a_fault(stack, fault):
    port = stack.start_server()

    visitor, conversation, expected = asyncio.run(chat_through(stack, [port], lambda: fault(stack)))
    assert_nothing_lost_or_doubled(stack, visitor, conversation, expected)
