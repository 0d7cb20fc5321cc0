"""The public help centre on a phone (390 × 844), in English and Turkish: what a customer
searches for stays inside the screen, even a pasted order number or link with no spaces."""

import pytest
from playwright.sync_api import expect

from tests.browser.pages import page_errors

PHONE = {"width": 390, "height": 844}
PASTED = "https://lalecafe.example/siparis/takip?no=" + "7" * 80


@pytest.mark.parametrize("locale", ["en-GB", "tr-TR"])
def test_a_long_search_without_spaces_fits_a_phone(server, new_context, locale):
    page = new_context(viewport=PHONE, locale=locale).new_page()
    errors = page_errors(page)
    page.goto(f"{server}/help/")
    page.fill("input[name=q]", PASTED)
    page.press("input[name=q]", "Enter")

    title = page.locator("h1.page-title")
    expect(title).to_contain_text("7777")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = title.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert errors == []
