"""A reply stored by the server whose confirmation never reached the console (issue 22.1): the
socket goes silent right after the send and the HTTP fallback is cut too, so the composer says
"Could not send" and keeps the text. A new text must then be stored as a new message (it gets
a new client id), and after reconnecting the console sees the first one was stored."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_console_reply import _open_conversation, _visitor_asks

REPLY_POST = re.compile(r"/console/conversations/\d+/messages$")
# The HTTP fallback is cut on purpose: the browser and htmx report the failed request.
fallback_cut = pytest.mark.browser_console_errors(
    r"ERR_FAILED .*/console/conversations/\d+/messages", r"^htmx:(afterRequest|sendError),"
)


def cut_after_the_next_send(page) -> dict:
    """Route the console socket through the test: once `state["armed"]`, the first reply frame
    reaches the server but nothing the server answers after it reaches the page (a connection
    cut at the wrong moment), on that connection only; a reconnect gets a clean one."""
    state = {"armed": False, "connections": []}

    def route(ws):
        upstream = ws.connect_to_server()
        connection = {"cut": False, "page": ws}
        state["connections"].append(connection)

        def from_page(text):
            upstream.send(text)
            if state["armed"] and '"message.send"' in text:
                state["armed"] = False
                connection["cut"] = True

        ws.on_message(from_page)
        upstream.on_message(lambda text: None if connection["cut"] else ws.send(text))

    page.route_web_socket(re.compile(r"/ws/console/"), route)
    return state


def a_reply_whose_answer_is_lost(stack, new_context, server, text):
    """The visitor asks, the agent opens the conversation and sends `text`, and hears nothing
    back; returns the visitor's page, the agent's page and the socket routing's state."""
    widget = _visitor_asks(stack, new_context, server)
    agent = new_context().new_page()
    state = cut_after_the_next_send(agent)
    _open_conversation(agent, server)
    send_and_lose_the_answer(agent, state, text)
    return widget, agent, state


def send_and_lose_the_answer(agent, state, text):
    state["armed"] = True
    agent.route(REPLY_POST, lambda route: route.abort())  # the fallback POST is cut too
    agent.locator("#composer-body").fill(text)
    agent.locator("#composer-body").press("Enter")
    # After the socket's silence (5 s) the POST fails: the text stays, with the error.
    expect(agent.locator("#composer-error")).not_to_have_text("", timeout=15_000)
    expect(agent.locator("#composer-body")).to_have_value(text)
    agent.unroute(REPLY_POST)


@fallback_cut
def test_a_new_text_after_a_lost_confirmation_is_stored_as_a_new_message(
    stack, new_context, server
):
    widget, agent, state = a_reply_whose_answer_is_lost(
        stack, new_context, server, "First answer, stored but never confirmed"
    )
    # It was stored: the visitor has it.
    expect(widget.locator(".msg-agent", has_text="never confirmed")).to_have_count(1)

    # The agent writes something else instead and sends it (the connection works again).
    state["connections"][-1]["cut"] = False
    agent.locator("#composer-body").fill("Second answer, a new text")
    agent.locator("#composer-body").press("Enter")

    expect(widget.locator(".msg-agent", has_text="Second answer, a new text")).to_have_count(1)
    expect(agent.locator("#composer-body")).to_have_value("")
    expect(agent.locator("#composer-error")).to_have_text("")
    expect(widget.locator(".msg-agent", has_text="never confirmed")).to_have_count(1)


@fallback_cut
def test_after_reconnecting_the_console_sees_the_failed_reply_was_stored(
    stack, new_context, server
):
    widget, agent, state = a_reply_whose_answer_is_lost(
        stack, new_context, server, "Stored while the console heard nothing"
    )
    expect(widget.locator(".msg-agent", has_text="heard nothing")).to_have_count(1)
    expect(agent.locator("#message-list .msg-agent", has_text="heard nothing")).to_have_count(0)

    # The connection drops for good (1012, a server restart): the console reconnects and
    # resumes after its newest message, and finds the reply there.
    before = len(state["connections"])
    state["connections"][-1]["page"].close(code=1012, reason="restart")
    expect(agent.locator("#message-list .msg-agent", has_text="heard nothing")).to_have_count(
        1, timeout=15_000
    )
    expect(agent.locator("#composer-body")).to_have_value("")
    expect(agent.locator("#composer-error")).to_have_text("")
    assert len(state["connections"]) == before + 1

    # Sending the next text works as usual, once.
    agent.locator("#composer-body").fill("And the next one")
    agent.locator("#composer-body").press("Enter")
    expect(widget.locator(".msg-agent", has_text="And the next one")).to_have_count(1)
    expect(widget.locator(".msg-agent", has_text="heard nothing")).to_have_count(1)
