"""Visitor history in the widget: a resolved conversation is listed with the newer one, the
visitor opens it from the list, reads it, and reopens it within the window."""

from playwright.sync_api import expect

from tests.browser.pages import agent_login, open_widget, visitor_sends

SETUP = """
from support.models import Conversation, Widget
Conversation.objects.all().delete()
Widget.objects.update(bot_enabled=False)  # people only; test_bot covers the bot
"""
FIRST = "First: the refund for order 1001 never arrived"
SECOND = "Second: how do I change my address?"


def send(widget, text):
    visitor_sends(widget, text)


def test_visitor_opens_a_past_conversation_from_history_and_reopens_it(stack, server, new_context):
    stack.manage("shell", "-c", SETUP)
    agent = new_context().new_page()
    agent_login(agent, server)
    widget = open_widget(new_context(locale="en-GB").new_page(), server)
    send(widget, FIRST)

    # The agent resolves it; the visitor sees that live, with the reopen window.
    agent.locator(".inbox-row", has_text=FIRST).locator("a").click()
    agent.click("#resolve-button")
    expect(widget.locator("#resolved-banner")).to_be_visible()
    expect(widget.locator("#reopen-note")).to_contain_text("You can reopen it until")

    # A new conversation, then back to the list: both, newest first, with their states.
    widget.locator("#start-new-button").click()
    send(widget, SECOND)
    widget.locator("#back-button").click()
    items = widget.locator("#conversation-list .conv-item")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text(SECOND)
    expect(items.nth(1)).to_have_attribute("data-status", "resolved")
    expect(items.nth(1).locator(".pill")).to_have_text("Resolved")

    # Open the past one from the list and read it.
    items.nth(1).click()
    expect(widget.locator("#messages")).to_contain_text(FIRST)
    expect(widget.locator("#messages")).not_to_contain_text(SECOND)
    expect(widget.locator("#composer-input")).to_be_disabled()

    # Reopen it and write again: the agent gets the message in the same conversation.
    widget.locator("#reopen-button").click()
    expect(widget.locator("#resolved-banner")).to_be_hidden()
    expect(widget.locator("#composer-input")).to_be_enabled()
    send(widget, "It still has not arrived")
    expect(agent.locator("#message-list")).to_contain_text("It still has not arrived")
    expect(agent.locator("#conversation-status")).not_to_have_text("Resolved")

    # Back in the list, the reopened conversation is no longer "Resolved".
    widget.locator("#back-button").click()
    expect(items).to_have_count(2)
    expect(widget.locator("#conversation-list .conv-item[data-status=resolved]")).to_have_count(0)
