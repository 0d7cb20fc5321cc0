"""While the chat is closed, an agent's reply shows as a preview bubble by the launcher (who
wrote it and its first line) and as a count in the host page's title; a click on the bubble
opens the chat, and reading the reply restores the title. On a phone and on a desktop."""

import pytest
from playwright.sync_api import expect

from tests.browser.pages import agent_login, open_widget, visitor_sends

SETUP = "from support.models import Widget; Widget.objects.update(bot_enabled=False)"


@pytest.mark.parametrize(
    ("viewport", "name"),
    [({"width": 1280, "height": 800}, "desktop"), ({"width": 390, "height": 844}, "phone")],
)
def test_a_reply_while_closed_previews_and_counts_in_the_title(
    stack, server, new_context, viewport, name
):
    stack.manage("shell", "-c", SETUP)
    agent = new_context().new_page()
    agent_login(agent, server, view="all")
    visitor = new_context(viewport=viewport).new_page()
    widget = open_widget(visitor, server)
    title = visitor.title()
    visitor_sends(widget, f"Preview test {name}: my order?")
    visitor.evaluate("Destek.close()")

    agent.locator(".inbox-row", has_text=f"Preview test {name}").locator("a").click()
    agent.locator("#composer-body").fill("It left the kitchen five minutes ago.\nEnjoy!")
    agent.locator("#composer-body").press("Enter")

    bubble = visitor.locator("#destek-preview")
    expect(bubble).to_be_visible()
    expect(bubble.locator("#destek-preview-text span")).to_have_text(
        "It left the kitchen five minutes ago."
    )
    expect(bubble.locator("strong")).not_to_be_empty()
    expect(visitor).to_have_title(f"(1) {title}")
    visitor.screenshot(path=f"test-artifacts/widget-preview-{name}.png")

    bubble.locator("#destek-preview-text").click()
    expect(widget.locator(".msg-agent", has_text="five minutes ago")).to_be_visible()
    expect(bubble).to_have_count(0)
    expect(visitor).to_have_title(title)


def test_the_preview_can_be_dismissed_and_does_not_cover_an_open_chat(stack, server, new_context):
    stack.manage("shell", "-c", SETUP)
    agent = new_context().new_page()
    agent_login(agent, server, view="all")
    visitor = new_context().new_page()
    widget = open_widget(visitor, server)
    visitor_sends(widget, "Dismiss test: hello")
    agent.locator(".inbox-row", has_text="Dismiss test").locator("a").click()
    agent.locator("#composer-body").fill("Open chat: no bubble")
    agent.locator("#composer-body").press("Enter")
    expect(widget.locator(".msg-agent", has_text="no bubble")).to_be_visible()
    expect(visitor.locator("#destek-preview")).to_have_count(0)

    visitor.evaluate("Destek.close()")
    agent.locator("#composer-body").fill("Closed chat: a bubble")
    agent.locator("#composer-body").press("Enter")
    expect(visitor.locator("#destek-preview")).to_be_visible()
    visitor.locator("#destek-preview button[aria-label]").click()
    expect(visitor.locator("#destek-preview")).to_have_count(0)
    expect(visitor.locator("#destek-badge")).to_have_text("1")
