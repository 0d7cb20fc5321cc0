"""A real SMTP server on loopback (aiosmtpd) that the tests' mail is sent to."""

from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.parser import BytesParser

from aiosmtpd.controller import Controller

from tests.stack import free_port


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"


@contextmanager
def smtp_running() -> Iterator[tuple[int, list]]:
    """(port, received mail as [(envelope recipients, email.message.EmailMessage)])."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, inbox.messages
    finally:
        controller.stop()
