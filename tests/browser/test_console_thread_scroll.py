"""The console's thread follows new messages when images arrive: an agent at the bottom stays
there while a screenshot loads (live or when opening the conversation), and an agent reading
further up gets a "New messages" pill instead of a thread that moves under them."""

import re

from playwright.sync_api import expect

from tests.browser.pages import agent_login, open_widget, page_errors, visitor_sends
from tests.browser.test_attachments import PASTE, screenshot_png, widget_frame

AT_BOTTOM = "s => s.scrollHeight - s.scrollTop - s.clientHeight < 2"
THUMBNAIL = re.compile(r".*/console/attachments/\d+/thumbnail$")


def at_bottom(page) -> bool:
    return page.locator("#message-scroller").evaluate(AT_BOTTOM)


def wait_at_bottom(page) -> None:
    page.wait_for_function(
        "() => { const s = document.getElementById('message-scroller');"
        " return s.scrollHeight - s.scrollTop - s.clientHeight < 2; }"
    )


def send(widget, text: str) -> None:
    visitor_sends(widget, text)


def thumbnail_release(page, held: list) -> None:
    """Let the held thumbnail requests through, then wait until the image has loaded."""
    page.wait_for_timeout(300)
    assert held, "the thumbnail was not requested"
    for route in held:
        route.continue_()
    page.unroute(THUMBNAIL)
    page.wait_for_function(
        "() => { const i = document.querySelector('#message-list img.file-thumb');"
        " return i && i.complete && i.naturalHeight > 0; }"
    )


def test_the_thread_follows_messages_past_an_image(stack, new_context, server):
    stack.manage(
        "shell", "-c", "from support.models import Widget; Widget.objects.update(bot_enabled=False)"
    )
    agent = new_context(viewport={"width": 1280, "height": 640}).new_page()
    errors = page_errors(agent)
    agent_login(agent, server, view="all")
    visitor = new_context().new_page()
    widget = open_widget(visitor, server)
    send(widget, "The receipt printer shows an error")
    agent.locator(".inbox-row", has_text="receipt printer").locator("a").click()
    expect(agent.locator("#message-list")).to_contain_text("receipt printer")

    # A screenshot arrives; its thumbnail loads after the message is in the list.
    held = []
    agent.route(THUMBNAIL, lambda route: held.append(route))
    widget_frame(visitor).evaluate(PASTE, [screenshot_png(), "screenshot.png"])
    expect(widget.locator(".files-tray .file-chip.ready")).to_be_visible()
    send(widget, "Here it is")
    expect(agent.locator("#message-list .msg-visitor", has_text="Here it is")).to_be_visible()
    thumbnail_release(agent, held)
    wait_at_bottom(agent)

    # The next messages still bring the thread along.
    for text in ("Still there?", "It says paper jam", "But there is paper"):
        send(widget, text)
        expect(agent.locator("#message-list .msg-visitor", has_text=text)).to_be_visible()
        wait_at_bottom(agent)
    expect(agent.locator("#new-messages")).to_be_hidden()

    # Reading further up: the thread stays put and a pill says something new arrived.
    agent.locator("#message-scroller").evaluate("s => { s.scrollTop = 0; }")
    agent.wait_for_timeout(200)
    send(widget, "Hello?")
    expect(agent.locator("#new-messages")).to_be_visible()
    expect(agent.locator("#new-messages")).to_have_text("New messages ↓")
    assert agent.locator("#message-scroller").evaluate("s => s.scrollTop") == 0
    agent.locator("#new-messages").click()
    wait_at_bottom(agent)
    expect(agent.locator("#new-messages")).to_be_hidden()
    expect(agent.locator("#message-list .msg-visitor", has_text="Hello?")).to_be_in_viewport()

    # Opening the conversation again: the last message is in view once the image has loaded.
    held.clear()
    agent.route(THUMBNAIL, lambda route: held.append(route))
    agent.reload()
    expect(agent.locator("#message-list")).to_contain_text("Hello?")
    thumbnail_release(agent, held)
    wait_at_bottom(agent)
    assert at_bottom(agent)
    assert not errors, errors
