"""A reply to the demo's e-mail conversation that cannot be sent: both agents (English and
Turkish) see "not sent" appear live with a Retry button; once the mail server is up, Retry
pressed on a phone sends it and "E-mailed" appears live, with no reload. Screenshots at 390 px
and desktop width in both languages."""

import time

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.pages import SUPERVISOR, agent_login
from tests.emails.smtp_server import Inbox
from tests.stack import free_port

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
REPLY = "Pastanızı hazırlayabiliriz, kapora 300 TL."


@pytest.fixture(scope="module")
def smtp_port():
    return free_port()


@pytest.fixture(scope="module")
def mail_server(stack, smtp_port):
    stack.env.update(
        {
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            # Nobody listens there until the test starts the SMTP server.
            "EMAIL_PORT": str(smtp_port),
        }
    )
    stack.manage("emails_seed_demo")
    port = stack.start_server()
    return f"http://127.0.0.1:{port}"


def open_mail_conversation(page):
    page.locator(".inbox-row", has_text="Can Öztürk").first.locator("a").first.click()
    expect(page.locator("#message-list")).to_contain_text("12 kişilik")


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"email-retry-{name}.png"), full_page=True)


def test_a_failed_mail_shows_live_and_retry_sends_it(stack, new_context, mail_server, smtp_port):
    english = new_context(viewport=DESKTOP, locale="en-GB").new_page()
    agent_login(english, mail_server)
    open_mail_conversation(english)
    turkish = new_context(viewport=PHONE, locale="tr-TR").new_page()
    agent_login(turkish, mail_server, SUPERVISOR)
    open_mail_conversation(turkish)

    english.locator("#composer-body").fill(REPLY)
    english.locator("#composer-body").press("Enter")
    for page, not_sent, retry in (
        (english, "E-mail not sent:", "Retry"),
        (turkish, "E-posta gönderilemedi:", "Yeniden dene"),
    ):
        reply = page.locator("#message-list .msg-agent", has_text="kapora 300 TL")
        expect(reply.locator(".mail-failed")).to_contain_text(not_sent)
        expect(reply.locator(".delivery-retry")).to_have_text(retry)
    shoot(english, "en-desktop")
    shoot(turkish, "tr-phone")
    english.set_viewport_size(PHONE)
    shoot(english, "en-phone")
    turkish.set_viewport_size(DESKTOP)
    shoot(turkish, "tr-desktop")

    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        turkish.set_viewport_size(PHONE)
        retry = turkish.locator("#message-list .msg-agent .delivery-retry")
        expect(retry).to_be_in_viewport()
        retry.click()
        for page, sent in ((english, "E-mailed"), (turkish, "E-postayla gönderildi")):
            reply = page.locator("#message-list .msg-agent", has_text="kapora 300 TL")
            expect(reply.locator(".mail-sent")).to_have_text(f"· {sent}")
            expect(reply.locator(".delivery-retry")).to_have_count(0)
        deadline = time.monotonic() + 10
        while not received.messages and time.monotonic() < deadline:
            time.sleep(0.1)
        ((recipients, mail),) = received.messages
        assert recipients == ["can@musteri.example"]
        assert mail["In-Reply-To"] == "<demo-mail-1@musteri.example>"
        assert REPLY in mail.get_body(("plain",)).get_content()
        shoot(turkish, "tr-phone-sent")
        shoot(english, "en-phone-sent")
    finally:
        controller.stop()
