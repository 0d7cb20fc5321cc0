"""The e-mail inbox in use: a customer's mail arrives by IMAP polling (a real dovecot), an
agent answers it in the console, and the reply reaches the SMTP server (aiosmtpd) from the
team's address, threaded under the customer's mail."""

import imaplib
import time
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from playwright.sync_api import expect

from tests.browser.pages import agent_login
from tests.emails.imap_server import dovecot_running
from tests.emails.smtp_server import smtp_running

SUBJECT = "Siparişim 4711 nerede?"
BODY = "Merhaba, siparişim bir haftadır gelmedi."
PASSWORD_ENV = "DESTEK_BROWSER_IMAP_PASSWORD"


@pytest.fixture(scope="module")
def dovecot():
    with dovecot_running() as server:
        yield server


@pytest.fixture(scope="module")
def smtp_inbox():
    with smtp_running() as (port, messages):
        yield port, messages


@pytest.fixture(scope="module")
def mail_server(stack, dovecot, smtp_inbox):
    smtp_port, _messages = smtp_inbox
    login, password = dovecot.user()
    stack.env.update(
        {
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "INBOUND_EMAIL_DOMAIN": "reply.shop.example",
            PASSWORD_ENV: password,
        }
    )
    stack.manage(
        "shell",
        "-c",
        "from emails.models import SupportAddress; from support.models import Team, Widget; "
        "SupportAddress.objects.create(address='destek@shop.example', "
        "display_name='Demo Shop Support', team=Team.objects.get(slug='general'), "
        f"widget=Widget.objects.first(), imap_host='127.0.0.1', imap_port={dovecot.port}, "
        f"imap_security='none', imap_user='{login}', imap_password_env='{PASSWORD_ENV}')",
    )
    port = stack.start_server()
    return f"http://127.0.0.1:{port}", login, password


def test_a_mail_is_answered_from_the_console_and_the_reply_is_threaded(
    stack, new_context, dovecot, smtp_inbox, mail_server
):
    server, login, password = mail_server
    _port, received = smtp_inbox
    mail = EmailMessage()
    mail["From"] = "Zeynep Kaya <zeynep@example.org>"
    mail["To"] = "destek@shop.example"
    mail["Subject"] = SUBJECT
    mail["Message-ID"] = make_msgid(domain="example.org")
    mail.set_content(f"{BODY}\n\n-- \nZeynep Kaya\n0532 000 00 00\n")
    client = imaplib.IMAP4("127.0.0.1", dovecot.port)
    client.login(login, password)
    client.append("INBOX", None, None, bytes(mail))
    client.logout()
    # What Celery beat runs every minute.
    stack.manage("shell", "-c", "from emails import tasks; print(tasks.mailbox_poll_all())")

    agent = new_context().new_page()
    agent_login(agent, server)
    row = agent.locator(".inbox-row", has_text="Zeynep Kaya").first
    expect(row).to_be_visible()
    row.locator("a").click()
    expect(agent.locator("#message-list")).to_contain_text(BODY)
    # The signature is trimmed; the original is one click away.
    expect(agent.locator("#message-list")).not_to_contain_text("0532 000 00 00")
    original = agent.locator("#message-list .mail-original")
    expect(original).to_have_count(1)

    agent.locator("#composer-body").fill("Kargonuz bugün yola çıktı.")
    agent.locator("#composer-body").press("Enter")
    expect(agent.locator("#message-list .msg-agent", has_text="Kargonuz")).to_have_count(1)

    deadline = time.monotonic() + 15
    while not received and time.monotonic() < deadline:
        time.sleep(0.1)
    ((recipients, reply),) = received
    assert recipients == ["zeynep@example.org"]
    assert reply["From"] == "Demo Shop Support <destek@shop.example>"
    assert reply["Subject"] == f"Re: {SUBJECT}"
    assert reply["In-Reply-To"] == mail["Message-ID"]
    assert reply["References"] == mail["Message-ID"]
    assert reply["Message-ID"].endswith("@reply.shop.example>")
    assert reply.get_body(("plain",)).get_content().startswith("Kargonuz bugün yola çıktı.")
    assert "Kargonuz bugün yola çıktı." in reply.get_body(("html",)).get_content()

    # The console says it went out, after a reload (the state is read with the thread).
    agent.reload()
    expect(agent.locator("#message-list .mail-sent")).to_have_count(1)
    with agent.expect_popup() as popup:
        agent.locator("#message-list .mail-original").click()
    expect(popup.value.locator("body")).to_contain_text("0532 000 00 00")
    for width, name in ((390, "phone"), (1280, "desktop")):
        agent.set_viewport_size({"width": width, "height": 800})
        agent.screenshot(path=str(stack.tmp_dir / f"email-inbox-{name}.png"), full_page=True)
