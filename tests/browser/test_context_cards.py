"""The host app's context in the console, as an agent and a shop's page use it: the demo
customer's café orders from the demo shop's signed endpoint in the contact panel (desktop and
a 390 px phone, English and Turkish), "Insert #1042" into the reply at the caret, and
Destek.setConversationContext from a host page onto the conversation."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.pages import AGENT, agent_login
from tests.browser.test_sdk import host_site, shell, wait_until  # noqa: F401 - a fixture

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}
TEXTS = {
    "en-GB": {
        "insert": "Insert #1042",
        "total": "185.00 TRY",
        "title": "Recent orders",
        "status": "On the way",
    },
    # The demo shop answers in the agent's language (Accept-Language), as a shop may.
    "tr-TR": {
        "insert": "#1042 ekle",
        "total": "185,00 TRY",
        "title": "Son siparişler",
        "status": "Yolda",
    },
}


@pytest.fixture(scope="module")
def demo_host(stack, server):
    """seed_demo points the café's widget at SITE_URL; the tests' server has its own port."""
    stack.manage(
        "shell",
        "-c",
        "from support.models import Widget; "
        f"Widget.objects.filter(key='demo').update(context_url='{server}/demo/context-cards')",
    )
    return server


def open_demo_customer(page, server):
    agent_login(page, server, AGENT, view="all")
    page.locator(".inbox-row", has_text="Elif Yılmaz").first.locator(".row-link").click()
    expect(page.locator("#composer-body")).to_be_visible()


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"context-cards-{name}.png", full_page=False)


@pytest.mark.parametrize("locale", ["en-GB", "tr-TR"])
def test_the_agent_sees_the_customers_orders_and_inserts_one(demo_host, new_context, locale):
    texts = TEXTS[locale]
    page = new_context(viewport=DESKTOP, locale=locale).new_page()
    open_demo_customer(page, demo_host)

    cards = page.locator("#context-cards")
    expect(cards.locator(".order-card")).to_have_count(3)
    first = cards.locator(".order-card").first
    expect(first).to_contain_text("1042")
    expect(first).to_contain_text(texts["status"])
    expect(first).to_contain_text(texts["total"])
    expect(first).to_contain_text("Simit")
    expect(cards).to_contain_text("Moda, Kadıköy")
    expect(cards.locator("h4").first).to_have_text(texts["title"])
    screenshot(page, f"desktop-{locale}")

    # At the caret, with spaces where needed: "Your order #1042 is on its way".
    reply = page.locator("#composer-body")
    reply.fill("Your order is on its way")
    reply.evaluate("el => el.setSelectionRange(10, 10)")
    first.get_by_role("button", name=texts["insert"]).click()
    expect(reply).to_have_value("Your order #1042 is on its way")
    expect(reply).to_be_focused()


@pytest.mark.parametrize("locale", ["en-GB", "tr-TR"])
def test_on_a_phone_the_cards_fit_and_insert_returns_to_the_reply(demo_host, new_context, locale):
    texts = TEXTS[locale]
    page = new_context(viewport=PHONE, locale=locale).new_page()
    open_demo_customer(page, demo_host)
    page.locator("#contact-toggle").click()
    cards = page.locator("#context-cards")
    expect(cards.locator(".order-card")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = cards.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    cards.scroll_into_view_if_needed()
    screenshot(page, f"phone-{locale}")

    cards.locator(".order-card").first.get_by_role("button", name=texts["insert"]).click()
    expect(page.locator("#contact-panel")).to_be_hidden()
    expect(page.locator("#composer-body")).to_have_value("#1042 ")
    screenshot(page, f"phone-inserted-{locale}")


def test_a_host_that_fails_is_a_quiet_note(demo_host, stack, new_context):
    stack.manage(
        "shell",
        "-c",
        "from support.models import Widget; "
        f"Widget.objects.filter(key='demo').update(context_url='{demo_host}/demo/nowhere')",
    )
    try:
        page = new_context(viewport=DESKTOP, locale="en-GB").new_page()
        open_demo_customer(page, demo_host)
        note = page.locator("#context-cards .context-note")
        expect(note).to_contain_text("Order details could not be loaded")
        expect(note).to_contain_text("The host answered HTTP 404.")
        expect(page.locator("#composer-body")).to_be_enabled()
    finally:
        stack.manage(
            "shell",
            "-c",
            "from support.models import Widget; from django.core.cache import cache; "
            "cache.clear(); Widget.objects.filter(key='demo')"
            f".update(context_url='{demo_host}/demo/context-cards')",
        )


@pytest.mark.browser_console_errors(r"Unknown context key color", r"status of 400")
def test_the_shops_page_attaches_the_order_and_table(host_site, new_context, stack):  # noqa: F811
    name = host_site["page"](
        "order.html",
        "Destek('setConversationContext', {order_id: 'A-1042'}); Destek('open');",
    )
    page = new_context().new_page()
    page.goto(f"{host_site['allowed']}/{name}")
    widget = page.frame_locator("#destek-frame")
    widget.locator("#composer-input").fill("Where is my order?")
    widget.locator("#composer-input").press("Enter")

    # The next conversation started with it.
    find = (
        "from support.models import Conversation; "
        "c = Conversation.objects.filter(context_order_id='A-1042').first(); "
        "print(c and f'{c.pk}|{c.context_table}')"
    )
    wait_until(page, lambda: shell(stack, find) != "None")
    conversation_id = shell(stack, find).split("|")[0]

    # Later calls reach the open conversation, without restarting the chat.
    page.evaluate("Destek('setConversationContext', {table: '7'})")
    wait_until(page, lambda: shell(stack, find) == f"{conversation_id}|7")
    expect(widget.locator(".msg", has_text="Where is my order?")).to_have_count(1)

    # A bad one is refused, and the page is told why.
    messages = []
    page.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
    page.evaluate("Destek('setConversationContext', {color: 'red'})")
    wait_until(page, lambda: any(re.search("Unknown context key color", m) for m in messages))
    assert shell(stack, find) == f"{conversation_id}|7"
