"""The e-mail tests' real servers on loopback: SMTP (aiosmtpd), which Django's SMTP backend
sends to, and IMAP (dovecot)."""

import pytest

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
