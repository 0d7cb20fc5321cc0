"""Console tools in real browsers: a `/` canned reply with a variable reaches the visitor filled
in; an internal note stays in the console; the shortcuts help opens with `?`."""

import re

from playwright.sync_api import expect

from tests.browser.pages import agent_login, open_widget

VISITOR_TEXT = "My refund has not arrived yet"

SETUP = """
from django.contrib.auth import get_user_model
from support.models import CannedResponse, Widget
Widget.objects.update(bot_enabled=False)
agent = get_user_model().objects.get(username="agent")
CannedResponse.objects.all().delete()  # only these two: the demo's team replies too
CannedResponse.objects.create(
    owner=agent, title="Greeting", shortcut="greet",
    body_en="Hello {contact.name}, this is {agent.first_name}. Ticket #{conversation.id}.",
)
CannedResponse.objects.create(owner=agent, title="Goodbye", shortcut="bye", body_en="Bye!")
"""

NAME_THE_VISITOR = """
from support.models import Contact
Contact.objects.filter(conversations__last_message_preview=%r).update(name="Elif Yılmaz")
"""


def test_agent_uses_a_canned_reply_with_a_variable_and_a_note_stays_internal(
    stack, new_context, server
):
    stack.manage("shell", "-c", SETUP)
    agent = new_context().new_page()
    agent_login(agent, server, view="all")

    visitor = new_context(locale="en-GB").new_page()
    widget = open_widget(visitor, server)
    widget.locator("#composer-input").fill(VISITOR_TEXT)
    widget.locator("#composer-input").press("Enter")
    row = agent.locator(".inbox-row", has_text=VISITOR_TEXT)
    expect(row).to_be_visible()
    stack.manage("shell", "-c", NAME_THE_VISITOR % VISITOR_TEXT)
    row.locator("a").click()
    expect(agent.locator("#message-list")).to_contain_text(VISITOR_TEXT)
    conversation_id = agent.locator("main.conversation").get_attribute("data-conversation-id")

    # "/" opens the list; typing filters it; arrows move; Enter picks.
    composer = agent.locator("#composer-body")
    composer.click()
    composer.press_sequentially("/", delay=20)
    menu = agent.locator("#canned-menu")
    expect(menu).to_be_visible()
    expect(menu.locator(".canned-option")).to_have_count(2)
    composer.press_sequentially("by", delay=20)
    expect(menu.locator(".canned-option")).to_have_count(1)
    composer.press("Backspace")
    composer.press("Backspace")
    expect(menu.locator(".canned-option")).to_have_count(2)
    composer.press("Escape")
    expect(menu).to_be_hidden()
    composer.press_sequentially("e", delay=20)  # /e: both match, /bye first
    expect(menu.locator(".canned-option")).to_have_count(2)
    composer.press("ArrowDown")
    composer.press("ArrowDown")  # wraps round to /bye
    expect(menu.locator(".canned-option.active")).to_contain_text("/bye")
    composer.press("ArrowUp")
    expect(menu.locator(".canned-option.active")).to_contain_text("/greet")
    composer.press("Enter")
    filled = f"Hello Elif Yılmaz, this is Ayşe. Ticket #{conversation_id}."
    expect(composer).to_have_value(filled)
    expect(menu).to_be_hidden()
    composer.press("Enter")

    expect(widget.locator(".msg-agent", has_text=filled)).to_be_visible()
    expect(agent.locator("#message-list .msg-agent", has_text=filled)).to_be_visible()

    # An internal note: shown in the console, marked, and never in the widget.
    agent.locator("#note-mode-button").click()
    expect(agent.locator("#composer")).to_have_attribute("data-mode", "note")
    composer.fill("Refund stuck at the bank, checking with finance")
    composer.press("Enter")
    note = agent.locator("#message-list .msg-note", has_text="Refund stuck at the bank")
    expect(note).to_be_visible()
    expect(note).to_contain_text("Internal note")
    expect(composer).to_have_value("")
    visitor.reload()
    visitor.click("#destek-launcher")
    widget = visitor.frame_locator("#destek-frame")
    if widget.locator("body[data-view=home]").count():
        widget.locator(".conv-item[data-conversation-id]").first.click()
    expect(widget.locator(".msg-agent", has_text=filled)).to_be_visible()
    expect(widget.locator("body")).not_to_contain_text("Refund stuck at the bank")

    # Keyboard: "?" outside text fields opens the help; Esc closes it.
    composer.press("Escape")
    agent.keyboard.press("?")
    expect(agent.locator("#shortcuts-help")).to_be_visible()
    agent.keyboard.press("Escape")
    expect(agent.locator("#shortcuts-help")).to_be_hidden()
    agent.keyboard.press("r")
    expect(agent.locator("#composer")).to_have_attribute("data-mode", "reply")
    expect(composer).to_be_focused()
    expect(agent).to_have_title(re.compile("Destek"))
