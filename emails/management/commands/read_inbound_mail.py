"""Post the replies in an mbox file or a Maildir directory as visitor messages.

    python manage.py read_inbound_mail /var/mail/destek        # mbox
    python manage.py read_inbound_mail ~/Maildir --delete      # Maildir, remove handled mail

Each email goes through the same checks as POST /integrations/inbound-email/ (reply address
token, sender = the contact's address, quoted text stripped, idempotent by Message-ID).
Refused emails are listed on stderr and kept; the command goes on with the next one.
"""

import mailbox
from email import policy
from email.parser import BytesParser
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from emails import services
from support import errors


def message_text(message) -> str:
    """The text/plain body (decoded), or "" when the email has none."""
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def recipients(message) -> list[str]:
    headers = ("To", "Cc", "Delivered-To", "X-Original-To")
    return [str(value) for name in headers for value in message.get_all(name, [])]


class Command(BaseCommand):
    help = "Post the emailed replies of an mbox file or Maildir directory as visitor messages."

    def add_arguments(self, parser):
        parser.add_argument("path", help="An mbox file or a Maildir directory.")
        parser.add_argument(
            "--delete", action="store_true", help="Remove the emails that were handled."
        )

    def handle(self, *args, path, delete, **options):
        location = Path(path)
        if location.is_dir():
            box = mailbox.Maildir(location, factory=None, create=False)
        elif location.is_file():
            box = mailbox.mbox(location, create=False)
        else:
            raise CommandError(f"{path} is neither an mbox file nor a Maildir directory.")
        posted = refused = 0
        box.lock()
        try:
            for key in list(box.keys()):
                message = BytesParser(policy=policy.default).parsebytes(box.get_bytes(key))
                message_id = str(message.get("Message-ID", "") or "")
                try:
                    result = services.inbound_email_receive(
                        sender=str(message.get("From", "")),
                        recipients=recipients(message),
                        text=message_text(message),
                        message_id=message_id,
                    )
                except errors.DomainError as error:
                    refused += 1
                    self.stderr.write(f"refused {message_id or key}: {error.code}: {error.detail}")
                    continue
                posted += 1
                state = "posted" if result.created else "already posted"
                self.stdout.write(
                    f"{state} {message_id or key} → conversation {result.conversation_id}"
                )
                if delete:
                    box.remove(key)
            box.flush()
        finally:
            box.unlock()
            box.close()
        self.stdout.write(f"{posted} posted, {refused} refused")
