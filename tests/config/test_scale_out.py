"""Scale-out: two daphne processes share PostgreSQL and Redis, as behind a load balancer.

The visitor's socket is served by one process and the agent's console (socket and HTTP) by
the other, so every message crosses the Redis channel layer between processes, both ways.
A Celery worker in its own process is proven by tests/support/test_worker.py; the whole
Procfile layout (two daphne, worker, beat) by tests/config/test_procfile.py.
"""

import os

import pytest

from tests.stack import Stack, chat_round_trip

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="two processes share PostgreSQL: needs DATABASE_URL (CI sets it)",
    ),
]

NO_BOT = "from support.models import Widget; Widget.objects.update(bot_enabled=False)"


@pytest.fixture
def stack(tmp_path):
    built = Stack(tmp_path)
    built.env["CELERY_TASK_ALWAYS_EAGER"] = "1"
    built.setup()
    built.manage("shell", "-c", NO_BOT)  # the visitor's message goes straight to a person
    yield built
    built.stop()


def test_a_message_crosses_between_two_daphne_processes_both_ways(stack):
    visitor_port = stack.start_server()
    agent_port = stack.start_server()
    assert visitor_port != agent_port

    chat_round_trip(visitor_port=visitor_port, agent_port=agent_port)

    # Both processes served their side, and neither logged an error.
    for port in (visitor_port, agent_port):
        assert "Traceback" not in stack.log(port), stack.log(port)
