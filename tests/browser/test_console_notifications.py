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

    # a assigns to me (already theirs here: nothing changes), e resolves.
    agent.keyboard.press("a")
    expect(agent.locator("#conversation-assignee")).to_contain_text("Ayşe")
    agent.keyboard.press("e")
    expect(agent.locator("#conversation-status")).to_have_text("Resolved")
