"""A `/word` typed as a canned reply never reaches the visitor: with no matching reply the
composer says so and keeps the text; with an exact shortcut it becomes that reply."""

from playwright.sync_api import expect

from tests.browser.pages import agent_login, page_errors

SETUP = """
from django.contrib.auth import get_user_model
from support.models import CannedResponse
agent = get_user_model().objects.get(username="agent")
CannedResponse.objects.all().delete()  # the demo's "refund" would match "/ref"
CannedResponse.objects.create(owner=agent, title="Goodbye", shortcut="bye", body_en="Bye!")
"""
SENT_AS_TEXT = """
from support.models import Message
print("sent:", Message.objects.filter(body__in=["/ref", "/bye"]).count())
"""


def test_an_unmatched_slash_command_is_not_sent(stack, server, new_context):
    stack.manage("shell", "-c", SETUP)
    page = new_context().new_page()
    errors = page_errors(page)
    agent_login(page, server, view="all")
    page.locator(".inbox-row .row-link").first.click()
    composer = page.locator("#composer-body")
    expect(composer).to_be_visible()

    composer.press_sequentially("/ref", delay=20)
    composer.press("Enter")
    expect(page.locator("#composer-error")).to_have_text(
        "No canned reply matches. Manage them under Canned replies."
    )
    expect(composer).to_have_value("/ref")
    # The Send button is refused the same way.
    page.locator("#composer button[type=submit]").click()
    expect(composer).to_have_value("/ref")
    page.wait_for_timeout(500)
    expect(page.locator("#message-list .msg-agent", has_text="/ref")).to_have_count(0)

    # Typing again clears the warning; an exact shortcut, menu closed, becomes its reply.
    composer.fill("")
    expect(page.locator("#composer-error")).to_have_text("")
    composer.press_sequentially("/bye", delay=20)
    composer.press("Escape")
    composer.focus()
    composer.press("Enter")
    expect(composer).to_have_value("Bye!")
    assert "sent: 0" in stack.manage("shell", "-c", SENT_AS_TEXT)
    assert not errors, errors
