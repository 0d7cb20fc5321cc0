"""Two agents online with room for one chat each; three visitors arrive; the third waits in
line, sees their place, and is handed to the first agent who resolves."""

import re

from playwright.sync_api import expect

from tests.browser.pages import SUPERVISOR, agent_login, visitor_sends

SETUP = """
from support.models import AgentProfile, Conversation, Widget
Conversation.objects.all().delete()
Widget.objects.update(bot_enabled=False)  # this test is about people; test_bot covers the bot
AgentProfile.objects.update(capacity=1, presence="online")
"""


def visitor_starts(context, server, text):
    page = context.new_page()
    page.goto(f"{server}/demo/")
    page.click("#destek-launcher")
    widget = page.frame_locator("#destek-frame")
    visitor_sends(widget, text)
    return widget


def test_the_third_visitor_waits_with_a_visible_place_until_an_agent_frees_up(
    stack, server, new_context
):
    stack.manage("shell", "-c", SETUP)
    ayse = new_context().new_page()
    agent_login(ayse, server, view="mine")
    mert = new_context().new_page()
    agent_login(mert, server, SUPERVISOR, view="mine")

    first = visitor_starts(new_context(), server, "First: my order is missing")
    second = visitor_starts(new_context(), server, "Second: payment failed")
    # Both agents have one chat each now (fewest open first).
    expect(ayse.locator("#inbox-list .inbox-row")).to_have_count(1)
    expect(mert.locator("#inbox-list .inbox-row")).to_have_count(1)
    for widget in (first, second):
        expect(widget.locator("#queue-notice")).to_be_hidden()

    third = visitor_starts(new_context(), server, "Third: QR menu will not open")
    notice = third.locator("#queue-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(re.compile(r"next|number 1", re.IGNORECASE))

    # Ayşe resolves her chat: the head of the queue is hers at once.
    ayse.locator("#inbox-list .inbox-row a").first.click()
    ayse.click("#resolve-button")
    expect(ayse.locator("#conversation-status")).to_have_text("Resolved")
    expect(notice).to_be_hidden()
    ayse.goto(f"{server}/console/?view=mine")
    expect(ayse.locator("#inbox-list .inbox-row", has_text="Third")).to_be_visible()
    expect(mert.locator("#inbox-list .inbox-row", has_text="Third")).to_have_count(0)
