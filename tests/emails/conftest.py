"""A real SMTP server on loopback (aiosmtpd) that Django's SMTP backend sends to."""

import shutil
import socket
import tempfile
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """Received emails, as [(envelope recipients, email.message.EmailMessage)]."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.INBOUND_EMAIL_DOMAIN = "reply.example.com"
    settings.INBOUND_EMAIL_SECRET = "inbound-test-secret"
    yield inbox.messages
    controller.stop()


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


@pytest.fixture(scope="session")
def dovecot():
    """A running dovecot on loopback (tests/emails/imap_server.py)."""
    from .imap_server import Dovecot, available

    if not available():
        pytest.skip("dovecot-imapd is not installed (.ci/run installs it)")
    # Not under pytest's private tmp directory: dovecot's mail processes (another user when
    # the tests run as root) must reach the mailboxes.
    root = Path(tempfile.mkdtemp(prefix="destek-dovecot-"))
    root.chmod(0o755)
    server = Dovecot(root, free_port())
    server.start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)
