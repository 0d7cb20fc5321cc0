"""WhatsApp end to end: a signed webhook post brings a customer's message, an agent answers
in the console, the fake Graph API receives the reply, a `read` status shows "Seen"."""

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.browser.pages import agent_login
from tests.whatsapp.conftest import APP_SECRET, TOKEN, payload, sign
from whatsapp.fake_graph import FakeGraph

PHONE_NUMBER_ID = "106540352242922"
CREATE_CHANNEL = f"""
from support.models import Team, Widget
from support.demo import DEMO_WIDGET_KEY
from whatsapp import services
from whatsapp.models import Channel
channel = Channel(name="Lale Cafe WhatsApp", widget=Widget.objects.get(key=DEMO_WIDGET_KEY),
    team=Team.objects.get(slug="general"), phone_number_id="{PHONE_NUMBER_ID}",
    display_phone_number="+1 555 078 3881", verify_token="verify-me")
services.channel_save_secrets(channel=channel, access_token="{TOKEN}", app_secret="{APP_SECRET}")
channel.save()
"""


@pytest.fixture(scope="module")
def graph():
    fake = FakeGraph(token=TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def server(stack, graph):
    stack.env["WHATSAPP_GRAPH_URL"] = graph.url
    # Sends run in the web process after commit (no worker in this test).
    stack.env["CELERY_TASK_ALWAYS_EAGER"] = "1"
    stack.manage("shell", "-c", CREATE_CHANNEL)
    port = stack.start_server()
    return f"http://127.0.0.1:{port}"


def webhook_post(server, data: dict) -> dict:
    body = json.dumps(data).encode()
    request = urllib.request.Request(  # noqa: S310 - the test's own http:// server
        f"{server}/whatsapp/webhook/",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body)},
    )
    with urllib.request.urlopen(request, timeout=15) as answer:  # noqa: S310
        return json.loads(answer.read())


def test_a_whatsapp_message_is_answered_from_the_console_and_seen(server, graph, new_context):
    question = payload("text", phone_number_id=PHONE_NUMBER_ID)
    assert webhook_post(server, question) == {"messages": 1, "statuses": 0}

    agent = new_context().new_page()
    agent_login(agent, server, view="all")
    row = agent.locator(".inbox-row", has_text="Does it come in another color?")
    expect(row.locator(".channel-pill")).to_contain_text("WhatsApp")
    row.locator("a").click()
    expect(agent.locator("#conversation-channel")).to_contain_text("WhatsApp")
    agent.locator("#composer-body").fill("Yes, in blue and green.")
    agent.locator("#composer-body").press("Enter")

    reply = agent.locator("#message-list .msg-agent", has_text="Yes, in blue and green.")
    expect(reply.locator(".delivery")).to_contain_text("Sent", timeout=15_000)
    sent = [m for m in graph.sent if m.get("type") == "text"]
    assert len(sent) == 1
    assert sent[0]["to"] == "16505551234"
    assert sent[0]["text"] == {"preview_url": False, "body": "Yes, in blue and green."}
    assert sent[0]["messaging_product"] == "whatsapp"

    expect(reply).not_to_have_class(re.compile(r"\bseen\b"))
    status = payload("status_read", phone_number_id=PHONE_NUMBER_ID, wamid=sent[0]["wamid"])
    assert webhook_post(server, status) == {"messages": 0, "statuses": 1}
    expect(reply).to_have_class(re.compile(r"\bseen\b"), timeout=15_000)
    expect(reply.locator(".seen-label")).to_be_visible()


CLOSE_WINDOW = """
from datetime import timedelta
from django.utils import timezone
from support.models import Message
from whatsapp.models import Channel, Template
Template.objects.create(channel=Channel.objects.get(), name="order_update", language="en",
    body="Hello {{1}}, your order {{2}} has news.")
Message.objects.filter(conversation__channel="whatsapp").update(
    created_at=timezone.now() - timedelta(hours=25))
"""


def test_after_24_hours_the_composer_offers_the_approved_templates(
    server, graph, stack, new_context
):
    stack.manage("shell", "-c", CLOSE_WINDOW)
    agent = new_context().new_page()
    agent_login(agent, server, view="all")
    agent.locator(".inbox-row", has_text="Sheena").first.locator("a").click()
    window = agent.locator("#reply-window")
    expect(window).to_contain_text("24 hours")
    form = window.locator(".template-form", has_text="order_update")
    form.locator("input[name=parameter]").nth(0).fill("Sheena")
    form.locator("input[name=parameter]").nth(1).fill("#1042")
    form.locator("button[type=submit]").click()
    sent = agent.locator("#message-list .msg-agent", has_text="Hello Sheena, your order #1042")
    expect(sent.locator(".delivery")).to_contain_text("Sent", timeout=15_000)
    template = [m for m in graph.sent if m.get("type") == "template"]
    assert template[-1]["template"]["name"] == "order_update"
    assert template[-1]["template"]["components"][0]["parameters"][1] == {
        "type": "text",
        "text": "#1042",
    }


def test_the_demo_phone_keeps_what_the_customer_is_typing(server, new_context):
    # It reloads to show the café's replies, but never under the customer's fingers.
    page = new_context(locale="tr-TR", viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{server}/demo/whatsapp/")
    with page.expect_navigation(timeout=8_000):  # idle: it reloads
        pass

    message = page.locator("input[name=text]")
    message.fill("Bugün saat kaça kadar açıksınız, bir de")
    page.evaluate("window.before_reload = 1")
    page.wait_for_timeout(6_000)
    assert page.evaluate("window.before_reload") == 1
    expect(message).to_have_value("Bugün saat kaça kadar açıksınız, bir de")
