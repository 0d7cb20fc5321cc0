"""A white-labelled widget in Chromium: the brand colour over the launcher and the chat with a
readable text colour, the assistant's name and the agents' avatars, no "Powered by", and dark
colours when the visitor's browser prefers them (phone, dark) or light ones (desktop)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.pages import agent_login, open_widget

BRAND = """
from support.models import Widget
Widget.objects.update(launcher_color="#facc15", assistant_name_en="Lale", assistant_name_tr="Lale",
                      show_powered_by=False, show_agent_avatars=True, follow_dark_mode=True,
                      bot_enabled=True)
"""
YELLOW, DARK_TEXT = "rgb(250, 204, 21)", "rgb(17, 24, 39)"


def style(locator, prop):
    return locator.evaluate(f"(e) => getComputedStyle(e).{prop}")


@pytest.mark.parametrize(
    ("scheme", "viewport", "background"),
    [
        ("dark", {"width": 390, "height": 844}, "rgb(17, 24, 39)"),
        ("light", {"width": 1280, "height": 800}, "rgb(246, 247, 251)"),
    ],
)
def test_the_widget_wears_the_brand(stack, server, new_context, scheme, viewport, background):
    stack.manage("shell", "-c", BRAND)
    visitor = new_context(viewport=viewport, color_scheme=scheme).new_page()
    visitor.goto(f"{server}/demo/")
    launcher = visitor.locator("#destek-launcher")
    expect(launcher).to_be_visible()
    assert style(launcher, "backgroundColor") == YELLOW
    assert style(launcher, "color") == DARK_TEXT  # white on yellow would not read
    widget = open_widget(visitor, server)
    assert style(widget.locator(".header"), "color") == DARK_TEXT
    assert style(widget.locator("body"), "backgroundColor") == background
    expect(widget.locator(".powered")).to_have_count(0)

    widget.locator("#composer-input").fill(f"White label {scheme}: a person please")
    widget.locator("#composer-input").press("Enter")
    mine = widget.locator(".msg-visitor .bubble", has_text="White label")
    expect(mine).to_be_visible()
    assert style(mine, "backgroundColor") == YELLOW
    assert style(mine, "color") == DARK_TEXT
    bot = widget.locator(".msg-bot").first
    expect(bot.locator(".msg-name")).to_contain_text("Lale")
    expect(bot.locator(".msg-avatar")).to_have_text("L")
    # Yellow text on a white chip would not read: the brand is shaded until it does.
    chip = widget.locator(".chip").first
    expect(chip).to_be_visible()
    assert style(chip, "color") == (
        "rgb(250, 204, 21)" if scheme == "dark" else "rgb(138, 112, 12)"
    )

    agent = new_context().new_page()
    agent_login(agent, server, view="all")
    agent.locator(".inbox-row", has_text=f"White label {scheme}").locator("a").click()
    agent.locator("#composer-body").fill("Merhaba, I am here.")
    agent.locator("#composer-body").press("Enter")
    reply = widget.locator(".msg-agent", has_text="I am here")
    expect(reply.locator(".msg-avatar")).to_have_text(re.compile(r"^[A-ZÇĞİÖŞÜ]{1,2}$"))
    visitor.screenshot(path=f"test-artifacts/widget-white-label-{scheme}.png")
