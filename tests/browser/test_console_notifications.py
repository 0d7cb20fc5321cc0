"""Notifications, labels and keyboard moves in a real browser: a new visitor message in a
conversation that concerns the agent rings and counts in the tab title; labels go on live."""

import re

from playwright.sync_api import expect

from tests.browser.pages import agent_login, open_widget

SETUP = """
from support.models import Label, Widget
Widget.objects.update(bot_enabled=False)
Label.objects.get_or_create(name="vip", defaults={"colour": "#b91c1c"})
"""
# Changes made elsewhere, which reach the page only as a live header.
PRIORITY_URGENT = """
from support import services
from support.models import Conversation
services.conversation_set_priority(
    conversation=Conversation.objects.get(pk={pk}), priority="urgent"
)
"""
GIVE_TO_SUPERVISOR = """
from django.contrib.auth import get_user_model
from support import services
from support.models import Conversation
supervisor = get_user_model().objects.get(username="supervisor")
services.conversation_assign(
    conversation=Conversation.objects.get(pk={pk}), to_user=supervisor, by_user=supervisor
)
"""


def test_new_visitor_message_notifies_and_labels_update_live(stack, new_context, server):
    stack.manage("shell", "-c", SETUP)
    context = new_context(permissions=["notifications"])
    agent = context.new_page()
    agent_login(agent, server, view="all")

    # Settings: the test button plays (after a gesture), desktop notifications already allowed.
    agent.locator("#notify-settings summary").click()
    agent.locator("#sound-test").click()
    expect(agent.locator("body")).to_have_attribute("data-sound-count", "1")
    expect(agent.locator("#desktop-state")).not_to_be_empty()
    expect(agent.locator("#desktop-enable")).to_be_hidden()
    agent.locator("#notify-settings summary").click()

    visitor = new_context().new_page()
    widget = open_widget(visitor, server)
    widget.locator("#composer-input").fill("Where is my parcel?")
    widget.locator("#composer-input").press("Enter")

    # In the agent's teams (and given to them by automatic assignment): it concerns them.
    expect(agent.locator(".inbox-row", has_text="Where is my parcel?")).to_be_visible()
    expect(agent.locator("body")).to_have_attribute("data-notify-count", "1")
    expect(agent.locator("body")).to_have_attribute("data-sound-count", "2")
    expect(agent).to_have_title(re.compile(r"^\(\d+\) Inbox"))

    # Sound off: still counted, no sound.
    agent.locator("#notify-settings summary").click()
    agent.locator("#sound-enabled").uncheck()
    agent.locator("#notify-settings summary").click()
    widget.locator("#composer-input").fill("Hello?")
    widget.locator("#composer-input").press("Enter")
    expect(agent.locator("body")).to_have_attribute("data-notify-count", "2")
    expect(agent.locator("body")).to_have_attribute("data-sound-count", "2")

    # j opens the first conversation of the list.
    first_id = agent.locator("#inbox-list .inbox-row").first.get_attribute("id")
    agent.keyboard.press("j")
    expect(agent.locator("main.conversation")).to_have_attribute(
        "data-conversation-id", first_id.removeprefix("conv-row-")
    )
    # A label goes on and shows on the inbox row, live.
    agent.locator(".inbox-row", has_text="Hello?").locator("a").click()
    expect(agent.locator("#message-list")).to_contain_text("Hello?")
    agent.locator("#label-select").select_option(label="vip")
    expect(agent.locator("#conversation-labels")).to_contain_text("vip")
    row = agent.locator(".inbox-row", has_text="Hello?")
    expect(row.locator(".label-pill")).to_have_text("vip")
    agent.locator("#conversation-labels .pill-remove").click()
    expect(agent.locator("#conversation-labels .label-pill")).to_have_count(0)
    expect(row.locator(".label-pill")).to_have_count(0)

    # "Assign to me" is not for the assignee: neither in the page's header nor in a live one
    # (rendered once for every console), and a hidden button is not pressed by its key.
    take = agent.locator("#take-button")
    pk = agent.locator("main.conversation").get_attribute("data-conversation-id")
    agent.reload()
    expect(agent.locator("#connection")).to_have_attribute("data-state", "open")
    expect(take).to_have_count(1)
    expect(take).to_be_hidden()
    stack.manage("shell", "-c", PRIORITY_URGENT.format(pk=pk))
    expect(agent.locator("#conversation-priority")).to_have_class(re.compile("prio-urgent"))
    expect(take).to_have_count(1)
    expect(take).to_be_hidden()
    agent.evaluate("document.activeElement.blur()")  # the reloaded page focuses the composer
    agent.keyboard.press("a")
    expect(agent.locator("#conversation-assignee")).to_contain_text("Ayşe")
    # Given to a colleague, live: the button shows, and a assigns it back to me.
    stack.manage("shell", "-c", GIVE_TO_SUPERVISOR.format(pk=pk))
    expect(agent.locator("#conversation-assignee")).not_to_contain_text("Ayşe")
    expect(take).to_be_visible()
    agent.keyboard.press("a")
    expect(agent.locator("#conversation-assignee")).to_contain_text("Ayşe")
    expect(take).to_be_hidden()
    # e resolves.
    agent.keyboard.press("e")
    expect(agent.locator("#conversation-status")).to_have_text("Resolved")
