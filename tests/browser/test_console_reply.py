"""The agent's reply travels over the console socket, and over HTTP when the socket does not
answer; either way the visitor gets it once."""

import json
import re

from playwright.sync_api import expect

from tests.browser.pages import agent_login, open_widget

VISITOR_TEXT = "The card reader says declined"


def _replies_posted(page) -> list[str]:
    posted = []
    page.on(
        "request",
        lambda request: (
            posted.append(request.url)
            if request.method == "POST" and re.search(r"/conversations/\d+/messages$", request.url)
            else None
        ),
    )
    return posted


def _open_conversation(agent, server, url=None):
    # Not "mine": with the module's earlier conversations open, the agent may be at capacity
    # and the new one waits in the queue; the newest row with the text is the new one.
    agent_login(agent, server)
    if url:
        agent.goto(url)
    else:
        agent.locator(".inbox-row", has_text=VISITOR_TEXT).first.locator("a").click()
    expect(agent.locator("#message-list")).to_contain_text(VISITOR_TEXT)
    expect(agent.locator("#connection")).to_have_attribute("data-state", "open")


def _visitor_asks(stack, new_context, server):
    """A visitor's first message, straight to a person (no bot); returns the widget."""
    stack.manage(
        "shell", "-c", "from support.models import Widget; Widget.objects.update(bot_enabled=False)"
    )
    widget = open_widget(new_context().new_page(), server)
    widget.locator("#composer-input").fill(VISITOR_TEXT)
    widget.locator("#composer-input").press("Enter")
    own = widget.locator(".msg-visitor", has_text=VISITOR_TEXT)
    expect(own).not_to_have_class(re.compile(r"\bpending\b"))
    return widget


def test_reply_goes_over_the_socket_and_falls_back_to_http(stack, new_context, server):
    widget = _visitor_asks(stack, new_context, server)

    agent = new_context().new_page()
    posted = _replies_posted(agent)
    _open_conversation(agent, server)
    agent.locator("#composer-body").fill("Over the socket")
    agent.locator("#composer-body").press("Enter")
    expect(widget.locator(".msg-agent", has_text="Over the socket")).to_be_visible()
    expect(agent.locator("#composer-body")).to_have_value("")
    expect(agent.locator("#message-list .msg-agent", has_text="Over the socket")).to_have_count(1)
    assert posted == []

    # A socket that swallows replies (a proxy dropping frames): after a few seconds the same
    # reply goes as a POST, and is shown once.
    silent = new_context().new_page()
    silent_posted = _replies_posted(silent)

    def swallow_replies(ws):
        upstream = ws.connect_to_server()
        ws.on_message(lambda text: None if '"message.send"' in text else upstream.send(text))

    silent.route_web_socket(re.compile(r"/ws/console/"), swallow_replies)
    _open_conversation(silent, server, url=agent.url)
    silent.locator("#composer-body").fill("Over HTTP after a silent socket")
    silent.locator("#composer-body").press("Enter")
    expect(silent.locator("#composer")).to_have_attribute("aria-busy", "true")
    expect(widget.locator(".msg-agent", has_text="Over HTTP after a silent socket")).to_be_visible(
        timeout=15_000
    )
    expect(silent.locator("#composer-body")).to_have_value("")
    expect(silent.locator("#composer")).not_to_have_attribute("aria-busy", "true")
    assert len(silent_posted) == 1
    expect(widget.locator(".msg-agent", has_text="Over HTTP after a silent socket")).to_have_count(
        1
    )


def test_a_reply_refused_as_overloaded_is_sent_again_over_the_socket(stack, new_context, server):
    widget = _visitor_asks(stack, new_context, server)

    agent = new_context().new_page()
    posted = _replies_posted(agent)
    sends = []

    def busy_once(ws):
        # The server's answer under overload (docs/protocol.md), for the first send only.
        upstream = ws.connect_to_server()

        def from_page(text):
            if '"message.send"' in text:
                sends.append(text)
                if len(sends) == 1:
                    client_id = json.loads(text)["client_id"]
                    ws.send(
                        json.dumps(
                            {
                                "type": "error",
                                "code": "overloaded",
                                "detail": "busy",
                                "client_id": client_id,
                                "retry_after": 500,
                            }
                        )
                    )
                    return
            upstream.send(text)

        ws.on_message(from_page)

    agent.route_web_socket(re.compile(r"/ws/console/"), busy_once)
    _open_conversation(agent, server)
    agent.locator("#composer-body").fill("Sent again after a busy moment")
    agent.locator("#composer-body").press("Enter")
    expect(agent.locator("#composer-error")).to_have_text("busy")
    expect(agent.locator("#composer-body")).to_have_value("Sent again after a busy moment")
    expect(widget.locator(".msg-agent", has_text="Sent again after a busy moment")).to_be_visible()
    expect(agent.locator("#composer-body")).to_have_value("")
    expect(agent.locator("#composer-error")).to_have_text("")
    assert len(sends) == 2
    assert json.loads(sends[0])["client_id"] == json.loads(sends[1])["client_id"]
    assert posted == []
