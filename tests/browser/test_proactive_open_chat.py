"""A proactive message never covers an open chat: a trigger that comes due while the widget
is open shows no bubble over the composer; with the chat closed the same trigger shows it."""

from playwright.sync_api import expect

from tests.browser.pages import open_widget, page_errors

GREETING = "Welcome back! Ask us anything."
SETUP = f"""
from support.models import Widget
Widget.objects.filter(key="demo").update(greeting_en={GREETING!r}, greeting_tr={GREETING!r})
"""


def test_no_proactive_bubble_over_an_open_chat(stack, server, new_context):
    stack.manage("shell", "-c", SETUP)
    page = new_context().new_page()
    errors = page_errors(page)
    widget = open_widget(page, server)  # the greeting would come 3 s after the page loads
    page.evaluate("Destek('track', 'cart_abandoned')")
    page.wait_for_timeout(4000)
    expect(page.locator("#destek-bubble")).to_have_count(0)
    widget.locator("#composer-input").fill("Hello")
    widget.locator("#send-button").click()  # nothing covers it
    expect(widget.locator(".msg-visitor", has_text="Hello")).to_be_visible()
    # Seen while open, the bot's answer leaves no preview bubble once the widget closes.
    expect(widget.locator(".msg", has_text="passing you to a person")).to_be_visible()

    # Closed, the next page's greeting and triggers show as usual.
    page.locator("#destek-launcher").click()
    expect(page.locator("#destek-frame")).to_be_hidden()
    page.evaluate("Destek('track', 'cart_abandoned')")
    expect(page.locator("#destek-bubble")).to_contain_text("Still deciding?")
    assert not errors, errors
