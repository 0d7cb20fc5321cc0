"""The whole live chat in two real browsers: a visitor on the demo shop and an agent in the
console, over the real server (the Procfile's web line; PostgreSQL and Redis on CI)."""

import json
import re

from playwright.sync_api import expect

from tests.browser.pages import SUPERVISOR, WidgetNetwork, agent_login, open_widget

VISITOR_TEXT = "Hi! Table 14's bill will not close"


def test_visitor_and_agent_chat_live_with_seen_typing_reconnect_and_resolve(
    stack, new_context, server
):
    # Straight to a person: the greeting bot has its own browser test.
    stack.manage(
        "shell", "-c", "from support.models import Widget; Widget.objects.update(bot_enabled=False)"
    )
    agent = new_context().new_page()
    agent_login(agent, server, view="mine")

    visitor_context = new_context(viewport={"width": 1200, "height": 800}, locale="en-GB")
    visitor = visitor_context.new_page()
    widget = open_widget(visitor, server)
    widget.locator("#composer-input").fill(VISITOR_TEXT)
    widget.locator("#composer-input").press("Enter")
    own = widget.locator(".msg-visitor", has_text=VISITOR_TEXT)
    expect(own).not_to_have_class(re.compile(r"\bpending\b"))

    # The conversation appears in the agent's inbox live, without a reload; a supervisor's
    # console shows it too.
    row = agent.locator(".inbox-row", has_text=VISITOR_TEXT)
    expect(row).to_be_visible()
    expect(row.locator(".badge")).to_have_text("1")
    supervisor = new_context().new_page()
    agent_login(supervisor, server, SUPERVISOR, view="all")
    supervisor_row = supervisor.locator(".inbox-row", has_text=VISITOR_TEXT)
    expect(supervisor_row.locator(".badge")).to_have_text("1")
    row.locator("a").click()
    # The agent read it: the supervisor's row loses its unread mark live.
    expect(supervisor_row.locator(".badge")).to_have_count(0)
    expect(supervisor_row).not_to_have_class(re.compile(r"\bunread\b"))
    supervisor.close()
    expect(agent.locator("#message-list")).to_contain_text(VISITOR_TEXT)
    # Device details arrived without the visitor typing them, in readable form.
    device = agent.locator("#device-info")
    expect(device).to_contain_text("Web browser")
    expect(device).to_contain_text("/demo/")
    expect(device).to_contain_text("English (GB)")
    expect(device).to_contain_text("1200 ×")  # screen width

    # Opening the conversation is reading it: the visitor sees "Seen".
    expect(widget.locator(".msg-status")).to_have_text(re.compile("Seen"))

    # Typing, both ways.
    agent.locator("#composer-body").press_sequentially("Let me", delay=20)
    expect(widget.locator("#typing")).to_be_visible()
    expect(widget.locator("#typing")).to_contain_text("typing")
    widget.locator("#composer-input").press_sequentially("Still", delay=20)
    expect(agent.locator("#typing-indicator.on")).to_be_visible()
    widget.locator("#composer-input").fill("")

    agent.locator("#composer-body").fill("Let me check that bill for you.")
    agent.locator("#composer-body").press("Enter")
    expect(widget.locator(".msg-agent", has_text="Let me check that bill")).to_be_visible()
    expect(agent.locator("#composer-body")).to_have_value("")

    # A dropped connection in the middle: the visitor's socket goes away, the agent writes,
    # the visitor types; after reconnecting nothing is lost and nothing is doubled.
    network = WidgetNetwork(visitor_context)
    visitor.reload()
    widget = visitor.frame_locator("#destek-frame")
    visitor.click("#destek-launcher")
    expect(widget.locator(".msg-agent", has_text="Let me check that bill")).to_be_visible()
    expect(widget.locator("#connection-status")).to_be_hidden()

    network.drop()
    expect(widget.locator("#connection-status")).to_be_visible()
    agent.locator("#composer-body").fill("Found it: the payment was recorded twice.")
    agent.locator("#composer-body").press("Enter")
    widget.locator("#composer-input").fill("Sent while offline")
    widget.locator("#composer-input").press("Enter")
    expect(widget.locator(".msg-visitor", has_text="Sent while offline")).to_have_class(
        re.compile(r"\bpending\b")
    )
    network.restore()
    expect(widget.locator(".msg-agent", has_text="Found it")).to_be_visible(timeout=20_000)
    expect(widget.locator(".msg-visitor", has_text="Sent while offline")).not_to_have_class(
        re.compile(r"\bpending\b"), timeout=20_000
    )
    expect(widget.locator("#connection-status")).to_be_hidden()
    expect(agent.locator("#message-list")).to_contain_text("Sent while offline")
    for text in ("Found it", "Sent while offline", VISITOR_TEXT):
        expect(widget.locator(".msg", has_text=text)).to_have_count(1)
        expect(agent.locator("#message-list .msg", has_text=text)).to_have_count(1)

    # Resolve: the visitor sees it resolved.
    agent.click("#resolve-button")
    expect(agent.locator("#conversation-status")).to_have_text("Resolved")
    expect(widget.locator(".resolved-banner")).to_be_visible()

    # Reloading either page shows the same history.
    agent.reload()
    for text in (VISITOR_TEXT, "Let me check that bill", "Found it", "Sent while offline"):
        expect(agent.locator("#message-list")).to_contain_text(text)
    visitor.reload()
    widget = visitor.frame_locator("#destek-frame")
    visitor.click("#destek-launcher")
    expect(visitor.locator("#destek-frame")).to_be_visible()
    # The widget reopens the conversation the visitor was reading; from history otherwise.
    if widget.locator("body[data-view=home]").count():
        widget.locator(".conv-item[data-conversation-id]").first.click()
    for text in (VISITOR_TEXT, "Let me check that bill", "Found it", "Sent while offline"):
        expect(widget.locator(".msg", has_text=text)).to_have_count(1)


def test_widget_sends_a_message_refused_as_overloaded_again_and_it_is_stored_once(
    stack, new_context, server
):
    """The server's first answer to the socket message is `overloaded` (given here by a
    route in front of the real server): the widget shows it as sending, not failed, sends it
    again with the same client_id after retry_after, and a message written meanwhile only
    after it, so nothing overtakes it."""
    sends = []

    def route(ws):
        to_server = ws.connect_to_server()

        def from_page(text):
            frame = json.loads(text)
            if frame.get("type") == "message.send":
                sends.append(frame["client_id"])
                if len(sends) == 1:
                    refused = {
                        "type": "error",
                        "code": "overloaded",
                        "detail": "The server is busy.",
                        "client_id": frame["client_id"],
                        "retry_after": 1500,
                    }
                    ws.send(json.dumps(refused))
                    return
            to_server.send(text)

        ws.on_message(from_page)

    context = new_context()
    context.route_web_socket(re.compile(r".*/ws/widget/.*"), route)
    widget = open_widget(context.new_page(), server)
    # The first message opens the conversation over HTTP; the second goes over the socket.
    widget.locator("#composer-input").fill("Opening a chat")
    widget.locator("#composer-input").press("Enter")
    expect(widget.locator(".msg-visitor.pending")).to_have_count(0)
    widget.locator("#composer-input").fill("Refused once, then sent")
    widget.locator("#composer-input").press("Enter")
    own = widget.locator(".msg-visitor", has_text="Refused once, then sent")
    expect(own).to_have_class(re.compile(r"\bpending\b"))
    widget.locator("#composer-input").fill("Written while waiting")
    widget.locator("#composer-input").press("Enter")
    later = widget.locator(".msg-visitor", has_text="Written while waiting")
    expect(widget.locator(".msg-visitor.failed")).to_have_count(0)
    expect(own).not_to_have_class(re.compile(r"\bpending\b"), timeout=10_000)
    expect(later).not_to_have_class(re.compile(r"\bpending\b"))
    expect(own).to_have_count(1)
    expect(later).to_have_count(1)
    assert len(sends) == 3 and sends[0] == sends[1] != sends[2]
    stored = stack.manage(
        "shell",
        "-c",
        "from support.models import Message; "
        f"print(Message.objects.filter(client_id={sends[0]!r}).count())",
    )
    assert stored.split()[-1] == "1"
