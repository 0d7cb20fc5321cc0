"""A supervisor runs teams, holidays and response targets from the console (no Django admin):
on a phone in Turkish and on a desktop in English they add a team, put an agent in it, add a
holiday (a refused one first: the error beside the field, what was typed kept), give Monday a
lunch and a dinner shift that ends after midnight and set a response target; every page stays
as wide as the phone. An agent has no link and gets 403."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.pages import AGENT, SUPERVISOR, agent_login

SHOTS = Path("/tmp/settings24-shots")

TEXTS = {
    "tr": {
        "teams": "Ekipler ve çalışma saatleri",
        "add_team": "Ekip ekle",
        "add": "Ekle",
        "hours": "Çalışma saatleri ve tatiller",
        "add_holiday": "Tatil ekle",
        "save_hours": "Saatleri kaydet",
        "next_day": "(ertesi gün)",
        "name_required": "karakterlik bir ad gerekli",
        "targets": "Yanıt hedefleri",
        "save_targets": "Hedefleri kaydet",
        "saved": "Kaydedildi.",
        "team": ("Kitchen", "Mutfak"),
        "holiday": "Ulusal Egemenlik ve Çocuk Bayramı",
    },
    "en": {
        "teams": "Teams and hours",
        "add_team": "Add team",
        "add": "Add",
        "hours": "Business hours and holidays",
        "add_holiday": "Add holiday",
        "save_hours": "Save hours",
        "next_day": "(next day)",
        "name_required": "characters is required",
        "targets": "Response targets",
        "save_targets": "Save targets",
        "saved": "Saved.",
        "team": ("Bar", ""),
        "holiday": "Republic Day",
    },
}


def assert_phone_wide(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def run_settings(page, server, language, width):
    texts = TEXTS[language]
    shot = SHOTS / f"{language}-{width}"
    page.goto(f"{server}/console/settings/")
    page.locator(".settings-nav").get_by_role("link", name=texts["teams"]).click()
    name, name_tr = texts["team"]
    page.fill("#team-name", name)
    page.fill("#team-name-tr", name_tr)
    page.get_by_role("button", name=texts["add_team"]).click()
    expect(page.locator("#settings-saved")).to_have_text(texts["saved"])

    page.select_option("#member-agent", label="Ayşe Demir")
    page.locator("#members").get_by_role("button", name=texts["add"], exact=True).click()
    expect(page.locator("#member-list")).to_contain_text("Ayşe Demir")
    assert_phone_wide(page, width)
    page.locator("#members").screenshot(path=f"{shot}-team.png")

    page.get_by_role("link", name=texts["hours"]).first.click()
    # Monday: lunch, and dinner until 02:00 (the next day).
    page.check("input[name=mode][value=hours]")
    page.fill("#opens-0-0", "11:00")
    page.fill("#closes-0-0", "15:00")
    page.fill("#opens-0-1", "18:00")
    page.fill("#closes-0-1", "02:00")
    page.get_by_role("button", name=texts["save_hours"]).click()
    expect(page.locator("#settings-saved")).to_have_text(texts["saved"])
    expect(page.locator("#closes-0-1")).to_have_value("02:00")
    expect(page.locator("#day-0")).to_contain_text(texts["next_day"])
    holidays = page.locator("#holidays")
    holidays.locator("#holiday-date").fill("2099-04-23")
    holidays.get_by_role("button", name=texts["add_holiday"]).click()
    expect(page.locator("#holiday-name-error")).to_contain_text(texts["name_required"])
    expect(page.locator("#holiday-date")).to_have_value("2099-04-23")
    assert_phone_wide(page, width)
    page.locator("#holidays").screenshot(path=f"{shot}-holiday-error.png")
    page.fill("#holiday-name", texts["holiday"])
    page.locator("#holidays").get_by_role("button", name=texts["add_holiday"]).click()
    expect(page.locator("#holiday-list")).to_contain_text(texts["holiday"])
    assert_phone_wide(page, width)
    page.locator("#hours").screenshot(path=f"{shot}-hours.png")
    page.locator("#holidays").screenshot(path=f"{shot}-holidays.png")

    page.locator(".settings-nav").get_by_role("link", name=texts["targets"]).click()
    page.fill("#first-normal", "5")
    page.select_option("select[name=first_unit-normal]", "minutes")
    page.get_by_role("button", name=texts["save_targets"]).click()
    expect(page.locator("#settings-saved")).to_have_text(texts["saved"])
    expect(page.locator("#first-normal")).to_have_value("5")
    assert_phone_wide(page, width)
    page.locator("#targets").screenshot(path=f"{shot}-targets.png")


# Provoked on purpose: the refused holiday (400) and the agent's visit (403).
@pytest.mark.browser_console_errors(r"status of 400 .*/holidays", r"status of 403 .*/settings/")
def test_a_supervisor_runs_teams_holidays_and_targets(server, new_context):
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone = new_context(viewport={"width": 390, "height": 844}, locale="tr-TR").new_page()
    agent_login(phone, server, SUPERVISOR)
    run_settings(phone, server, "tr", 390)

    desktop = new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
    agent_login(desktop, server, SUPERVISOR)
    run_settings(desktop, server, "en", 1280)
    # The phone's team is there too, with its member, in English.
    desktop.goto(f"{server}/console/settings/teams/")
    expect(desktop.locator("#team-list")).to_contain_text("Kitchen")

    agent = new_context().new_page()
    agent_login(agent, server, AGENT)
    expect(agent.locator("#nav-settings")).to_have_count(0)
    assert agent.goto(f"{server}/console/settings/teams/").status == 403
