"""A burst of messages in several conversations reaches a supervisor's inbox in batches
(console/inbox_batch.py): every conversation shows once, with its newest message."""

import os

import pytest
from playwright.sync_api import expect

from tests.browser.pages import SUPERVISOR, agent_login

# The burst comes from `manage.py shell`, another process: its events reach the server's
# sockets through Redis only.
pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs Redis between processes (REDIS_URL)"
)

NAMES = ("Ada", "Bora", "Cem")
BURST = """
from support import services
from support.models import Widget
Widget.objects.update(bot_enabled=False)
widget = Widget.objects.first()
conversations = []
for name in ("Ada", "Bora", "Cem"):
    contact, _token = services.widget_session_open(widget_key=widget.key)
    conversation, _ = services.conversation_start(
        contact=contact, body=f"{name} says 0", client_id=f"burst-{name}-0"
    )
    conversations.append((name, conversation))
for i in range(1, 6):
    for name, conversation in conversations:
        services.visitor_message_send(
            conversation=conversation, body=f"{name} says {i}", client_id=f"burst-{name}-{i}"
        )
"""


def test_a_burst_shows_each_conversation_once_with_its_newest_message(stack, new_context, server):
    supervisor = new_context().new_page()
    agent_login(supervisor, server, SUPERVISOR, view="all")

    stack.manage("shell", "-c", BURST)

    rows = supervisor.locator("#inbox-list .inbox-row")
    for name in NAMES:
        expect(rows.filter(has_text=f"{name} says 5")).to_have_count(1)
        expect(rows.filter(has_text=f"{name} says")).to_have_count(1)
