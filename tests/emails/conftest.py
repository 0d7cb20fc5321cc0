"""The e-mail tests' real servers on loopback: SMTP (aiosmtpd), which Django's SMTP backend
sends to, and IMAP (dovecot); a customer's mail and the support address it is sent to."""

import io
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from PIL import Image

from emails.models import SupportAddress
from tests import factories

from .imap_server import dovecot_running
from .smtp_server import smtp_running


@pytest.fixture
def smtp(settings):
    """Received emails, as [(envelope recipients, email.message.EmailMessage)]."""
    with smtp_running() as (port, messages):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.INBOUND_EMAIL_DOMAIN = "reply.example.com"
        settings.INBOUND_EMAIL_SECRET = "inbound-test-secret"
        yield messages


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


@pytest.fixture(scope="session")
def dovecot():
    """A running dovecot on loopback (tests/emails/imap_server.py)."""
    with dovecot_running() as server:
        yield server


def mail(
    *,
    sender="Ayşe Yılmaz <ayse@example.org>",
    to="destek@shop.example",
    subject="Siparişim gelmedi",
    body="Merhaba, 1234 numaralı siparişim hâlâ gelmedi.",
    headers=None,
    files=(),
) -> EmailMessage:
    """A customer's mail; `files` as (name, data, maintype, subtype)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.org")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for name, data, maintype, subtype in files:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def address():
    """The shop's support address (mail() is sent to it), on the Orders team."""
    return SupportAddress.objects.create(
        address="destek@shop.example",
        display_name="Shop Support",
        team=factories.team(name="Orders"),
        widget=factories.widget(),
    )
