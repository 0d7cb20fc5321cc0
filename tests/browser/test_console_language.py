"""The console speaks each agent's language, live updates included: a fragment pushed to a
Turkish console is Turkish whoever caused it; an agent may pick a language over the browser's."""

import re

from playwright.sync_api import expect

from tests.browser.pages import SUPERVISOR, agent_login

ENGLISH_WORDS = re.compile(
    r"\b(Open|Pending|Queued|Assigned to|Mark pending|Resolve|High|Low|a\.m\.|p\.m\.)"
)


def open_first_conversation(page) -> str:
    page.locator(".inbox-row a").first.click()
    expect(page.locator("#conversation-header")).to_be_visible()
    return page.locator("main.conversation").get_attribute("data-conversation-id")


def test_a_turkish_agent_gets_a_live_update_in_turkish(stack, server, new_context):
    turkish = new_context(locale="tr-TR").new_page()
    agent_login(turkish, server, view="all")
    conversation_id = open_first_conversation(turkish)
    expect(turkish.locator("#resolve-button")).to_have_text("Çöz")

    # An English-speaking colleague changes the conversation from their console.
    english = new_context(locale="en-US").new_page()
    agent_login(english, server, SUPERVISOR, view="all")
    english.goto(f"{server}/console/conversations/{conversation_id}/")
    expect(english.locator("#connection")).to_have_attribute("data-state", "open")
    high = english.locator("#priority-select").input_value() != "high"
    english.select_option("#priority-select", "high" if high else "low")
    expect(english.locator("#conversation-priority")).to_have_text("High" if high else "Low")

    # The Turkish console received the header and the inbox row over its socket: Turkish.
    header = turkish.locator("#conversation-header")
    expect(turkish.locator("#conversation-priority")).to_have_text("Yüksek" if high else "Düşük")
    expect(turkish.locator("#resolve-button")).to_have_text("Çöz")
    row = turkish.locator(f"#conv-row-{conversation_id}")
    expect(row.locator(".pill.prio")).to_have_text("Yüksek" if high else "Düşük")
    for text in (header.inner_text(), row.locator(".row-meta").inner_text()):
        assert not ENGLISH_WORDS.search(text), text
    # And the English console stays English.
    expect(english.locator("#resolve-button")).to_have_text("Resolve")


def test_an_agent_picks_turkish_over_an_english_browser(stack, server, new_context):
    page = new_context(locale="en-US").new_page()
    agent_login(page, server, view="all")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.locator("#profile-settings summary").click()
    page.select_option("#language-select", "tr")
    page.locator("#profile-settings button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "tr")
    expect(page.locator("#inbox h1, h1").first).to_have_text("Gelen kutusu")
    expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    conversation_id = open_first_conversation(page)
    expect(page.locator("#resolve-button")).to_have_text("Çöz")

    # A change made elsewhere arrives in the agent's chosen language, not the browser's.
    colleague = new_context(locale="en-US").new_page()
    agent_login(colleague, server, SUPERVISOR, view="all")
    colleague.goto(f"{server}/console/conversations/{conversation_id}/")
    expect(colleague.locator("#connection")).to_have_attribute("data-state", "open")
    colleague.get_by_role("button", name="Mark pending").click()
    expect(page.locator("#conversation-status")).to_have_text("Bekliyor")
    row_status = page.locator(f"#conv-row-{conversation_id} .pill.status-pending")
    expect(row_status).to_have_text("Bekliyor")

    # Back to the browser's language.
    page.locator("#profile-settings summary").click()
    page.select_option("#language-select", "")
    page.locator("#profile-settings button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#resolve-button")).to_have_text("Resolve")
