"""A supervisor changes the widget's look and a retention period from the console (no Django
admin), on a phone in Turkish and on a desktop; a bad colour is refused with what was typed
kept; the demo shop's widget wears the new colour; an agent has no Settings link."""

import pytest
from playwright.sync_api import expect

from tests.browser.pages import AGENT, SUPERVISOR, agent_login


# Provoked on purpose: the refused colour (400) and the agent's visit (403).
@pytest.mark.browser_console_errors(
    r"status of 400 .*/settings/widgets/", r"status of 403 .*/settings/"
)
def test_a_supervisor_restyles_the_widget_from_the_console(server, new_context):
    phone = new_context(viewport={"width": 390, "height": 844}, locale="tr-TR").new_page()
    agent_login(phone, server, SUPERVISOR)
    phone.goto(f"{server}/console/settings/")
    expect(phone.locator("h1")).to_have_text("Ayarlar")
    # All its links on one bar: the page itself stays as wide as the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") == 390
    form = phone.locator("section[id^=widget-]").first
    colour = form.locator("input[name=launcher_color]")
    # The browser's own check first (pattern): the server refuses what slips past it.
    colour.evaluate("(e) => e.removeAttribute('pattern')")
    colour.fill("#12")
    form.get_by_role("button", name="Kaydet").click()
    expect(phone.locator(".form-error")).to_contain_text("marka rengi")
    expect(
        phone.locator("section[id^=widget-]").first.locator("input[name=launcher_color]")
    ).to_have_value("#12")
    phone.screenshot(path="test-artifacts/settings-phone-tr-error.png", full_page=True)

    form = phone.locator("section[id^=widget-]").first
    form.locator("input[name=launcher_color]").fill("#0f766e")
    form.locator("input[name=assistant_name_tr]").fill("Lale")
    form.locator("input[name=show_powered_by]").uncheck()
    form.get_by_role("button", name="Kaydet").click()
    expect(phone.locator("#settings-saved")).to_have_text("Kaydedildi.")

    retention = phone.locator("#retention")
    retention.locator("input[name=messages]").fill("400")
    retention.get_by_role("button", name="Kaydet").click()
    expect(phone.locator("#retention input[name=messages]")).to_have_value("400")

    desktop = new_context().new_page()
    agent_login(desktop, server, SUPERVISOR)
    desktop.goto(f"{server}/console/settings/")
    desktop.screenshot(path="test-artifacts/settings-desktop-en.png", full_page=True)
    expect(desktop.locator("#nav-settings")).to_be_visible()

    shop = new_context().new_page()
    shop.goto(f"{server}/demo/")
    launcher = shop.locator("#destek-launcher")
    expect(launcher).to_be_visible()
    assert launcher.evaluate("(e) => getComputedStyle(e).backgroundColor") == "rgb(15, 118, 110)"

    agent = new_context().new_page()
    agent_login(agent, server, AGENT)
    expect(agent.locator("#nav-settings")).to_have_count(0)
    response = agent.goto(f"{server}/console/settings/")
    assert response.status == 403
