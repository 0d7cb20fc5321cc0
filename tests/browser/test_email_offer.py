"""The "leave your email" form in a real browser: offered while nobody is online, a bad address
gets the server's clear message, a good one is stored on the contact."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.pages import open_widget

NOBODY_ONLINE = """
from support.models import AgentProfile, Contact
AgentProfile.objects.update(presence="offline")
Contact.objects.update(email="")
"""
STORED = """
from emails.models import EmailPreference
from support.models import Contact
print("stored:", list(Contact.objects.exclude(email="").values_list("email", flat=True)),
      list(EmailPreference.objects.values_list("transcript_requested", flat=True)))
"""


@pytest.fixture(scope="module")
def server(stack):
    port = stack.start_server()
    return f"http://127.0.0.1:{port}"


@pytest.mark.browser_console_errors(r"status of 400 .*/contact/email")
def test_a_visitor_leaves_an_email_address_when_nobody_is_online(stack, server, new_context):
    stack.manage("shell", "-c", NOBODY_ONLINE)
    widget = open_widget(new_context().new_page(), server)
    form = widget.locator("#email-offer")
    expect(form).to_be_visible()
    expect(form.locator(".email-note")).to_have_text(
        "Leave your email address and we will answer you by email."
    )
    # Open hours, nobody online: the header promises no quick reply and shows no online dot.
    expect(widget.locator("#header-note")).to_have_text("")
    expect(widget.locator(".online-dot")).to_be_hidden()
    form.locator("#email-input").fill("not an email")
    form.locator("button[type=submit]").click()
    expect(form).to_have_class(re.compile(r"\bis-error\b"))
    expect(form.locator(".email-note")).to_have_text("Enter a valid email address.")
    form.locator("#email-input").fill("ayse@example.org")
    form.locator("#email-transcript").check()
    form.locator("button[type=submit]").click()
    expect(form.locator(".email-note")).to_have_text("Thanks! We will answer at ayse@example.org.")
    expect(form.locator("#email-input")).to_be_hidden()
    output = stack.manage("shell", "-c", STORED)
    assert "stored: ['ayse@example.org'] [True]" in output
