"""Two languages in real browsers: the console follows the agent's browser language, the widget
follows the host app's locale (over the browser's), and dates come out in the page's language."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.pages import agent_login, open_widget

TURKISH_MONTH = re.compile(
    r"Ocak|Şubat|Mart|Nisan|Mayıs|Haziran|Temmuz|Ağustos|Eylül|Ekim|Kasım|Aralık"
)


def test_console_in_turkish_for_a_turkish_browser(stack, server, new_context):
    page = new_context(locale="tr-TR").new_page()
    page.goto(f"{server}/console/")
    expect(page.locator("html")).to_have_attribute("lang", "tr")
    expect(page.locator("button[type=submit]")).to_have_text("Giriş yap")
    agent_login(page, server, view="all")

    expect(page.locator("#inbox h1, h1").first).to_have_text("Gelen kutusu")
    expect(page.locator("body")).to_contain_text("Bir konuşma seçin")
    page.locator(".inbox-row a").first.click()
    composer = page.locator("#composer-body")
    expect(composer).to_have_attribute(
        # The full hint, or its short form where the full one would not fit the box.
        "placeholder",
        re.compile(
            r"^((Bir y|Y)anıt yazın… \(göndermek için Enter|Yanıt… \(hazır yanıtlar için /\))"
        ),
    )
    expect(page.locator("#resolve-button")).to_have_text("Çöz")
    # A message's full date is Django's Turkish format: "25 Kasım 2026 14:05".
    expect(page.locator("#message-list time[title]").first).to_have_attribute(
        "title", TURKISH_MONTH
    )
    # Response-target countdowns come from the page's texts too ("12 dk kaldı").
    for label in page.locator(".sla").all():
        text = label.text_content() or ""
        assert not re.search(r"\b(left|late)\b|\d+m\b", text), text


# After the locale switch the help panel's first call can find the token stale (401); the
# widget opens the session again and retries (widget.js api()). Not yet understood why the
# token goes stale here: the browser logs that 401.
@pytest.mark.browser_console_errors(r"status of 401 .*/api/widget/v1/faq\?")
def test_widget_follows_the_host_apps_locale_over_the_browser(stack, server, new_context):
    page = new_context(locale="en-US").new_page()
    page.goto(f"{server}/demo/")
    expect(page.locator("h1")).to_have_text("Fresh from our oven to your table.")
    # The host app says Turkish (Destek("setLocale", …), like data-locale="tr").
    page.wait_for_function("window.Destek && window.Destek._")
    page.evaluate("Destek('setLocale', 'tr')")
    page.click("#destek-launcher")
    widget = page.frame_locator("#destek-frame")
    expect(widget.locator("html")).to_have_attribute("lang", "tr")
    expect(widget.locator("#composer-input")).to_have_attribute("placeholder", "Bir mesaj yazın…")
    expect(widget.locator("#send-button")).to_have_attribute("aria-label", "Gönder")
    expect(widget.locator(".powered")).to_have_text("Destek ile çalışır")

    # The help panel's texts come from the server in the same language.
    widget.locator("#faq-button").click()
    expect(widget.locator(".faq-heading")).to_have_text("Popüler makaleler")
    expect(widget.get_by_role("button", name="Sohbete dön")).to_be_visible()


def test_demo_shop_and_widget_in_turkish_for_a_turkish_browser(stack, server, new_context):
    page = new_context(locale="tr-TR").new_page()
    widget = open_widget(page, server)
    expect(page.locator("h1")).to_have_text("Fırınımızdan sofranıza, taptaze.")
    expect(page.locator(".add").first).to_have_text("Sepete ekle")
    expect(widget.locator("#composer-input")).to_have_attribute("placeholder", "Bir mesaj yazın…")
    expect(widget.locator(".powered")).to_have_text("Destek ile çalışır")


def test_demo_shop_header_in_turkish_fits_a_phone_on_one_line(stack, server, new_context):
    page = new_context(locale="tr-TR", viewport={"width": 360, "height": 780}).new_page()
    page.goto(f"{server}/demo/")
    header = page.locator(".topbar-inner")
    for item in (page.locator(".logo"), page.locator(".cart"), page.locator("#login")):
        expect(item).to_be_visible()
        box = item.bounding_box()
        assert box["height"] < 44, (item, box)  # one line, not "Oturum / aç"
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, (item, box)
    assert header.bounding_box()["height"] <= 64
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
