"""The e-mail inbox end to end with real servers: dovecot over IMAP for inbound mail, aiosmtpd
for the replies. Threading both ways, trimming, loops, duplicates, the per-sender limit, mail
bombs, the inbound webhook's secret, send failures."""

import imaplib
import json
import os
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.test import Client

from emails import imap, inbox
from emails.models import InboundEmail, OutboundEmail, SupportAddress
from support import services as support_services
from support.models import Attachment, Contact, Conversation, Message
from tests import factories
from tests.stack import free_port

from .conftest import html_of, mail, png_bytes, text_of

pytestmark = pytest.mark.django_db

CUSTOMER = "ayse@example.org"  # mail()'s sender
PASSWORD_ENV = "DESTEK_TEST_IMAP_PASSWORD"


@pytest.fixture
def team():
    return factories.team(name="Orders")


@pytest.fixture
def address(dovecot, team, monkeypatch):
    login, password = dovecot.user()
    monkeypatch.setenv(PASSWORD_ENV, password)
    return SupportAddress.objects.create(
        address="destek@shop.example",
        display_name="Shop Support",
        team=team,
        widget=factories.widget(),
        imap_host="127.0.0.1",
        imap_port=dovecot.port,
        imap_security=SupportAddress.Security.NONE,
        imap_user=login,
        imap_password_env=PASSWORD_ENV,
        webhook_secret="mailbox-test-secret",
    )


def deliver(dovecot, address, *messages) -> None:
    """Store mails in the address's mailbox, as the mail server would."""
    client = imaplib.IMAP4("127.0.0.1", dovecot.port)
    client.login(address.imap_user, os.environ[PASSWORD_ENV])
    for message in messages:
        status, _data = client.append("INBOX", None, None, bytes(message))
        assert status == "OK"
    client.logout()


def poll(address):
    return imap.mailbox_poll(support_address_id=address.pk)


def agent_reply(conversation, agent, body, capture):
    with capture(execute=True):
        return support_services.message_send(
            conversation=conversation, sender_type="agent", body=body, agent=agent.user
        )[0]


# --- Inbound by IMAP ------------------------------------------------------------------------


def test_a_polled_mail_opens_an_email_conversation_in_the_addresses_team(dovecot, address, team):
    first = mail()
    deliver(dovecot, address, first)
    result = poll(address)
    assert (result.fetched, result.posted) == (1, 1)
    conversation = Conversation.objects.get()
    assert conversation.channel == Conversation.Channel.EMAIL
    assert conversation.team == team
    assert conversation.status == Conversation.Status.QUEUED
    contact = conversation.contact
    assert (contact.email, contact.name, contact.widget_id) == (
        CUSTOMER,
        "Ayşe Yılmaz",
        address.widget_id,
    )
    message = conversation.messages.get(sender_type="visitor")
    assert message.body == "Siparişim gelmedi\n\nMerhaba, 1234 numaralı siparişim hâlâ gelmedi."
    record = InboundEmail.objects.get()
    assert record.header_id == first["Message-ID"]
    assert record.message == message
    assert bytes(record.original).startswith(b"From:") or b"Message-ID" in bytes(record.original)


def test_polling_again_and_after_a_uidvalidity_change_stores_each_mail_once(dovecot, address):
    deliver(dovecot, address, mail(), mail(subject="İade"))
    assert poll(address).posted == 2
    assert poll(address).fetched == 0
    # The server renumbered its UIDs: every mail is read again, none is posted twice.
    SupportAddress.objects.filter(pk=address.pk).update(imap_uidvalidity=1)
    again = poll(address)
    assert (again.fetched, again.posted, again.duplicates) == (2, 0, 2)
    assert Message.objects.filter(sender_type="visitor").count() == 2
    address.refresh_from_db()
    assert address.imap_last_uid == 2 and address.imap_error == ""


def test_the_same_person_writing_by_mail_and_in_the_widget_is_one_contact(dovecot, address):
    contact, _token = factories.visitor(widget_obj=address.widget)
    Contact.objects.filter(pk=contact.pk).update(email="Ayse@Example.org")
    deliver(dovecot, address, mail())
    poll(address)
    assert Conversation.objects.get(channel="email").contact_id == contact.pk


def test_a_wrong_password_is_recorded_on_the_address_and_nothing_is_lost(
    dovecot, address, monkeypatch
):
    deliver(dovecot, address, mail())
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    with pytest.raises(imap.MailboxError):
        poll(address)
    address.refresh_from_db()
    assert address.imap_error and address.imap_last_uid == 0
    monkeypatch.setenv(PASSWORD_ENV, "")
    monkeypatch.undo()


def test_the_beat_task_polls_every_imap_address(dovecot, address):
    from emails import tasks

    deliver(dovecot, address, mail())
    SupportAddress.objects.create(
        address="webhook-only@shop.example",
        display_name="Webhook",
        team=address.team,
        widget=address.widget,
    )
    assert tasks.mailbox_poll_all() == 1
    assert Conversation.objects.filter(channel="email").count() == 1


# --- Threading both ways --------------------------------------------------------------------


def test_agent_reply_is_mailed_with_threading_headers_and_the_customer_reply_continues_it(
    dovecot, address, smtp, django_capture_on_commit_callbacks
):
    agent = factories.agent(display_name="Mehmet", teams=[address.team])
    first = mail()
    deliver(dovecot, address, first)
    poll(address)
    conversation = Conversation.objects.get()
    reply = agent_reply(
        conversation, agent, "Kargonuz yarın elinizde.", django_capture_on_commit_callbacks
    )

    ((recipients, sent),) = smtp
    assert recipients == [CUSTOMER]
    outbound = OutboundEmail.objects.get(message=reply)
    assert outbound.status == OutboundEmail.Status.SENT
    assert sent["Message-ID"] == outbound.header_id
    assert outbound.header_id.endswith("@reply.example.com>")
    assert sent["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in sent["References"]
    assert sent["From"] == "Shop Support <destek@shop.example>"
    assert sent["Subject"] == "Re: Siparişim gelmedi"
    assert "Kargonuz yarın elinizde." in text_of(sent)
    assert "Kargonuz yarın elinizde." in html_of(sent)

    answer = mail(
        subject="Re: Siparişim gelmedi",
        body=(
            "Teşekkürler, bekliyorum.\n\n-- \nAyşe\n0555 000 00 00\n\n"
            "7 Ara 2026 Pzt 10:00 tarihinde Shop Support şunu yazdı:\n"
            "> Kargonuz yarın elinizde.\n"
        ),
        headers={
            "In-Reply-To": sent["Message-ID"],
            "References": sent["References"] + " " + sent["Message-ID"],
        },
    )
    deliver(dovecot, address, answer)
    poll(address)
    assert Conversation.objects.count() == 1
    latest = conversation.messages.filter(sender_type="visitor").latest("id")
    # Quoted history and signature trimmed from the shown text; the original keeps them.
    assert latest.body == "Teşekkürler, bekliyorum."
    original = bytes(InboundEmail.objects.get(message=latest).original)
    assert b"0555 000 00 00" in original

    second = agent_reply(conversation, agent, "Rica ederiz.", django_capture_on_commit_callbacks)
    _recipients, next_sent = smtp[-1]
    assert next_sent["In-Reply-To"] == answer["Message-ID"]
    references = next_sent["References"].split()
    assert references == [first["Message-ID"], outbound.header_id, answer["Message-ID"]]
    assert OutboundEmail.objects.get(message=second).status == "sent"


def test_an_agents_file_goes_with_the_reply(address, smtp, django_capture_on_commit_callbacks):
    from chat import uploads

    agent = factories.agent(teams=[address.team])
    inbox.mail_receive(support_address=address, raw=bytes(mail()))
    conversation = Conversation.objects.get()
    attachment = support_services.attachment_store(
        conversation=conversation,
        checked=uploads.check(data=png_bytes(), name="kargo.png"),
        uploader_type=Attachment.Uploader.AGENT,
        agent=agent.user,
    )
    with django_capture_on_commit_callbacks(execute=True):
        support_services.message_send(
            conversation=conversation,
            sender_type="agent",
            body="Kargo fişi ekte.",
            agent=agent.user,
            attachments=[attachment.pk],
        )
    ((_recipients, sent),) = smtp
    [file] = list(sent.iter_attachments())
    assert file.get_filename() == "kargo.png"
    assert file.get_content_type() == "image/png"
    assert file.get_content()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_reply_to_a_resolved_conversation_reopens_it(
    dovecot, address, smtp, django_capture_on_commit_callbacks
):
    agent = factories.agent(teams=[address.team])
    first = mail()
    deliver(dovecot, address, first)
    poll(address)
    conversation = Conversation.objects.get()
    agent_reply(conversation, agent, "Çözüldü.", django_capture_on_commit_callbacks)
    support_services.conversation_resolve(conversation=conversation, agent=agent.user)
    deliver(
        dovecot,
        address,
        mail(body="Bir sorum daha var.", headers={"In-Reply-To": first["Message-ID"]}),
    )
    poll(address)
    conversation.refresh_from_db()
    assert Conversation.objects.count() == 1
    assert not conversation.is_resolved


def test_a_reply_from_someone_else_does_not_join_the_thread(dovecot, address):
    first = mail()
    deliver(dovecot, address, first)
    poll(address)
    deliver(
        dovecot,
        address,
        mail(sender="eve@example.net", headers={"In-Reply-To": first["Message-ID"]}),
    )
    poll(address)
    assert Conversation.objects.count() == 2


def test_html_only_mail_is_shown_as_text(dovecot, address):
    message = EmailMessage()
    message["From"] = CUSTOMER
    message["To"] = address.address
    message["Subject"] = "Ödeme sorunu"
    message["Message-ID"] = make_msgid()
    message.set_content(
        "<html><body><p>Faturamı <b>göremiyorum</b>.</p><style>p{}</style></body></html>",
        subtype="html",
    )
    deliver(dovecot, address, message)
    poll(address)
    body = Message.objects.get(sender_type="visitor").body
    assert body == "Ödeme sorunu\n\nFaturamı göremiyorum."


def test_attachments_are_kept_through_the_upload_checks(dovecot, address):
    deliver(
        dovecot,
        address,
        mail(
            files=[
                ("ekran.png", png_bytes(), "image", "png"),
                ("virus.exe", b"MZ\x90\x00\x03" + bytes(range(256)), "application", "octet-stream"),
            ]
        ),
    )
    poll(address)
    message = Message.objects.get(sender_type="visitor")
    # The PNG passed chat.uploads' checks; the binary did not and was left out.
    assert [a.content_type for a in message.attachments.all()] == ["image/png"]
    assert Attachment.objects.count() == 1


# --- Refusals: loops, duplicates, the per-sender limit, mail bombs --------------------------


@pytest.mark.parametrize(
    ("headers", "refusal"),
    [
        ({"Auto-Submitted": "auto-replied"}, "auto_submitted"),
        ({"Precedence": "bulk"}, "bulk_precedence"),
        ({"Precedence": "junk"}, "bulk_precedence"),
        ({"Precedence": "list"}, "bulk_precedence"),
    ],
)
def test_auto_replies_and_bulk_mail_are_refused_and_logged(dovecot, address, headers, refusal):
    deliver(dovecot, address, mail(headers=headers))
    assert poll(address).refused == 1
    assert not Conversation.objects.exists()
    assert InboundEmail.objects.get().refusal == refusal


def test_our_own_mails_coming_back_are_refused(address, settings):
    settings.INBOUND_EMAIL_DOMAIN = "reply.example.com"
    echo = mail()
    del echo["Message-ID"]
    echo["Message-ID"] = "<destek-1.abc@reply.example.com>"
    assert inbox.mail_receive(support_address=address, raw=bytes(echo)).refusal == "own_message"
    from_us = mail(sender="Shop Support <destek@shop.example>")
    result = inbox.mail_receive(support_address=address, raw=bytes(from_us))
    assert result.refusal == "from_support_address"
    assert not Message.objects.exists()


def test_auto_submitted_no_is_a_person_writing(address):
    result = inbox.mail_receive(
        support_address=address, raw=bytes(mail(headers={"Auto-Submitted": "no"}))
    )
    assert result.status == "posted"


def test_a_sender_over_the_rate_limit_is_refused(address, settings):
    settings.DESTEK = {**settings.DESTEK, "EMAIL_SENDER_RATE_LIMIT": 2}
    statuses = [
        inbox.mail_receive(support_address=address, raw=bytes(mail(subject=f"#{n}"))).status
        for n in range(3)
    ]
    assert statuses == ["posted", "posted", "refused"]
    assert InboundEmail.objects.filter(refusal="sender_rate_limited").count() == 1
    # Another sender is not held back.
    other = mail(sender="ali@example.org")
    assert inbox.mail_receive(support_address=address, raw=bytes(other)).status == "posted"


def test_mail_bombs_are_refused_without_keeping_their_bytes(address, settings):
    settings.DESTEK = {
        **settings.DESTEK,
        "EMAIL_INBOUND_MAX_BYTES": 50_000,
        "EMAIL_INBOUND_MAX_ATTACHMENTS": 2,
    }
    big = mail(body="x" * 60_000)
    assert inbox.mail_receive(support_address=address, raw=bytes(big)).refusal == "too_large"
    many = mail(files=[(f"{n}.txt", b"hello", "text", "plain") for n in range(3)])
    assert (
        inbox.mail_receive(support_address=address, raw=bytes(many)).refusal
        == "too_many_attachments"
    )
    assert not Message.objects.exists()
    assert all(bytes(r.original) == b"" for r in InboundEmail.objects.all())
    # The same bomb again is recognised, not recorded twice.
    assert inbox.mail_receive(support_address=address, raw=bytes(big)).status == "duplicate"
    assert InboundEmail.objects.count() == 2


@pytest.mark.parametrize(
    "raw", [b"", b"\x00\xff garbage", b"Subject: no sender\r\n\r\nhi", b"From: <>\r\n\r\n"]
)
def test_malformed_mail_is_refused_not_raised(address, raw):
    assert inbox.mail_receive(support_address=address, raw=raw).status == "refused"
    assert not Message.objects.exists()


# --- The inbound webhook --------------------------------------------------------------------


def webhook(address, raw, secret):
    return Client().post(
        f"/integrations/mailbox/{address.pk}/",
        data=raw,
        content_type="message/rfc822",
        HTTP_X_DESTEK_MAILBOX_SECRET=secret,
    )


def test_the_webhook_posts_a_raw_mail_with_the_secret_and_stores_it_once(address):
    raw = bytes(mail())
    response = webhook(address, raw, "mailbox-test-secret")
    assert response.status_code == 202
    assert response.json()["status"] == "posted"
    again = webhook(address, raw, "mailbox-test-secret")
    assert again.json()["status"] == "duplicate"
    assert Message.objects.filter(sender_type="visitor").count() == 1


@pytest.mark.parametrize("secret", ["", "wrong", "mailbox-test-secret "])
def test_the_webhook_refuses_a_wrong_secret_and_stores_nothing(address, secret):
    response = webhook(address, bytes(mail()), secret)
    assert response.status_code == 403
    assert json.loads(response.content)["error"]["code"] == "invalid_secret"
    assert not InboundEmail.objects.exists()


def test_the_webhook_of_an_address_without_a_secret_is_off(address):
    SupportAddress.objects.filter(pk=address.pk).update(webhook_secret="")
    assert webhook(address, bytes(mail()), "").status_code == 403


def test_the_webhook_refuses_an_oversized_mail_without_an_error(address, settings):
    settings.DESTEK = {**settings.DESTEK, "EMAIL_INBOUND_MAX_BYTES": 10_000}
    response = webhook(address, bytes(mail(body="y" * 20_000)), "mailbox-test-secret")
    assert response.status_code == 202
    assert response.json()["refusal"] == "too_large"


def test_the_webhook_takes_a_mail_larger_than_djangos_in_memory_request_limit(address, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    pdf = b"%PDF-1.4\n" + b"0" * 150_000 + b"\n%%EOF\n"
    raw = bytes(mail(files=[("fatura.pdf", pdf, "application", "pdf")]))
    response = webhook(address, raw, "mailbox-test-secret")
    assert response.status_code == 202
    assert response.json()["status"] == "posted"
    assert Attachment.objects.get().content_type == "application/pdf"


# --- Send failures --------------------------------------------------------------------------


def test_a_failed_send_is_recorded_on_the_message_and_retried(
    address, settings, django_capture_on_commit_callbacks
):
    from emails import outbox

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    agent = factories.agent(teams=[address.team])
    inbox.mail_receive(support_address=address, raw=bytes(mail()))
    conversation = Conversation.objects.get()
    reply = agent_reply(conversation, agent, "Bakıyorum.", django_capture_on_commit_callbacks)
    outbound = OutboundEmail.objects.get(message=reply)
    assert outbound.status == OutboundEmail.Status.FAILED
    assert outbound.attempts >= 1 and outbound.error
    # A later attempt (Celery's retry) sends it once the server answers.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox.outbound_email_send(outbound_id=outbound.pk) is True
    outbound.refresh_from_db()
    assert outbound.status == OutboundEmail.Status.SENT and outbound.error == ""
    assert outbox.outbound_email_send(outbound_id=outbound.pk) is False


def test_widget_conversations_are_not_mailed_by_the_channel(
    smtp, django_capture_on_commit_callbacks
):
    agent = factories.agent()
    conversation = factories.conversation()
    agent_reply(conversation, agent, "Merhaba", django_capture_on_commit_callbacks)
    assert not OutboundEmail.objects.exists()


# --- In the console -------------------------------------------------------------------------


def test_the_console_shows_each_mails_state_and_the_original_to_agents_who_may_see_it(
    address, smtp, django_capture_on_commit_callbacks
):
    agent = factories.agent(teams=[address.team])
    inbox.mail_receive(
        support_address=address, raw=bytes(mail(body="Merhaba\n\n-- \nAyşe, 0555 111 22 33"))
    )
    conversation = Conversation.objects.get()
    agent_reply(conversation, agent, "Buyrun.", django_capture_on_commit_callbacks)
    client = Client()
    client.force_login(agent.user)
    page = client.get(f"/console/conversations/{conversation.pk}/").content.decode()
    assert "E-mailed" in page
    inbound = InboundEmail.objects.get()
    assert f"/console/mail/{inbound.pk}/original" in page
    assert "0555 111 22 33" not in page  # the signature is trimmed from the shown text

    original = client.get(f"/console/mail/{inbound.pk}/original")
    assert original.status_code == 200
    assert original["Content-Type"].startswith("text/plain")
    assert "0555 111 22 33" in original.content.decode()

    outsider = factories.agent(teams=[factories.team()])
    client.force_login(outsider.user)
    assert client.get(f"/console/mail/{inbound.pk}/original").status_code == 404
    client.logout()
    assert client.get(f"/console/mail/{inbound.pk}/original").status_code == 302


def test_a_failed_mail_is_shown_on_the_message(address, django_capture_on_commit_callbacks):
    agent = factories.agent(teams=[address.team])
    inbox.mail_receive(support_address=address, raw=bytes(mail()))
    conversation = Conversation.objects.get()
    reply = agent_reply(conversation, agent, "Buyrun.", django_capture_on_commit_callbacks)
    # What the last attempt's failure leaves (tests/emails/test_send_retry.py goes through it).
    OutboundEmail.objects.filter(message=reply).update(
        status="failed", error="SMTP 451 try again later"
    )
    Message.objects.filter(pk=reply.pk).update(
        delivery="failed", delivery_error="SMTP 451 try again later"
    )
    client = Client()
    client.force_login(agent.user)
    page = client.get(f"/console/conversations/{conversation.pk}/").content.decode()
    assert "E-mail not sent: SMTP 451 try again later" in page


@pytest.mark.parametrize(
    ("language", "sent", "failed"),
    [
        ("en", "E-mailed", "E-mail not sent:"),
        ("tr", "E-postayla gönderildi", "E-posta gönderilemedi:"),
    ],
)
def test_the_mail_states_read_in_the_agents_language(language, sent, failed):
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override(language):
        assert sent in render_to_string("emails/_message_mail.html", {"mail": {"status": "sent"}})
        shown = render_to_string(
            "emails/_message_mail.html", {"mail": {"status": "failed", "error": "451"}}
        )
        assert failed in shown and "451" in shown
