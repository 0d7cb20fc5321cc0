"""Scale-out: two web processes (the Procfile's web line) share PostgreSQL and Redis, as
behind a load balancer.

The visitor's socket is served by one process and the agent's console (socket and HTTP) by
the other, so every message crosses the Redis channel layer between processes, both ways.
A Celery worker in its own process is proven by tests/support/test_worker.py; the whole
Procfile layout (two web processes, worker, beat) by tests/config/test_procfile.py.
"""

import os
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from tests.stack import ConsoleSession, Stack, _NoRedirect, chat_round_trip

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="two processes share PostgreSQL: needs DATABASE_URL (CI sets it)",
    ),
]

NO_BOT = "from support.models import Widget; Widget.objects.update(bot_enabled=False)"


@pytest.fixture
def stack(seeded_stack, tmp_path):
    built = Stack(tmp_path)
    built.env["CELERY_TASK_ALWAYS_EAGER"] = "1"
    built.setup(copy_of=seeded_stack)
    built.manage("shell", "-c", NO_BOT)  # the visitor's message goes straight to a person
    yield built
    built.stop()


def test_a_message_crosses_between_two_web_processes_both_ways(stack):
    visitor_port = stack.start_server()
    agent_port = stack.start_server()
    assert visitor_port != agent_port

    chat_round_trip(visitor_port=visitor_port, agent_port=agent_port)

    # Both processes served their side, and neither logged an error.
    for port in (visitor_port, agent_port):
        assert "Traceback" not in stack.log(port), stack.log(port)


def _status(request) -> int:
    try:
        with urllib.request.build_opener(_NoRedirect()).open(request, timeout=15) as response:
            return response.status
    except urllib.error.HTTPError as error:  # 302 too: redirects are not followed
        return error.code


def test_a_session_is_shared_and_a_sign_out_on_one_process_ends_it_on_the_other(stack):
    """Sessions are read from the shared Redis cache (cached_db): a sign-out on one process
    must not leave the session alive in another process's cache."""
    first, second = stack.start_server(), stack.start_server()
    agent = ConsoleSession(first, "agent", "agent-demo-123")
    cookie = agent.cookie_header()  # what a stolen cookie would be

    def inbox(port: int) -> int:
        return _status(
            urllib.request.Request(f"http://127.0.0.1:{port}/console/", headers={"Cookie": cookie})
        )

    assert inbox(second) == 200  # the other process knows the session
    sign_out = urllib.request.Request(  # noqa: S310 - loopback
        agent.url("/console/logout/"),
        data=urlencode({"csrfmiddlewaretoken": agent.cookie("csrftoken")}).encode(),
        headers={"Cookie": cookie},
        method="POST",
    )
    assert _status(sign_out) == 302
    assert inbox(second) == 302  # to the login page: the session is gone everywhere
    assert inbox(first) == 302
