"""Erase one contact's personal data (GDPR/KVKK erasure request); statistics stay."""

from django.core.management.base import BaseCommand, CommandError

from support import privacy
from support.models import Contact


class Command(BaseCommand):
    help = (
        "Anonymise a contact and delete their messages' text, rating comments and files. "
        "Conversation rows, timings and rating scores stay. Asks first unless --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument("contact_id", type=int)
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, contact_id: int, yes: bool = False, **options):
        contact = Contact.objects.filter(pk=contact_id).first()
        if contact is None:
            raise CommandError(f"No contact has id {contact_id}.")
        if not yes:
            answer = input(
                f"Erase {contact.display_name} (contact {contact_id})? "
                "This cannot be undone. [y/N] "
            )
            if answer.strip().lower() not in ("y", "yes"):
                raise CommandError("Nothing erased.")
        counts = privacy.contact_erase(contact=contact, by_user=None)
        self.stdout.write(
            "erased contact {id}: {conversations} conversations, {messages} messages, "
            "{ratings} rating comments, {attachments} attachments".format(id=contact_id, **counts)
        )
