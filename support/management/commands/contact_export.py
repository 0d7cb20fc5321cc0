"""Export one contact's data (GDPR/KVKK access request) as a zip: contact.json + attachments."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from support import privacy
from support.models import Contact


class Command(BaseCommand):
    help = "Write a contact's data (contact.json and attachments) to a zip file."

    def add_arguments(self, parser):
        parser.add_argument("contact_id", type=int)
        parser.add_argument(
            "--output", "-o", help="Where to write the zip (default: contact-<id>.zip here)."
        )

    def handle(self, *args, contact_id: int, output: str | None = None, **options):
        contact = Contact.objects.select_related("widget").filter(pk=contact_id).first()
        if contact is None:
            raise CommandError(f"No contact has id {contact_id}.")
        path = Path(output or f"contact-{contact_id}.zip")
        path.write_bytes(privacy.contact_export(contact=contact, by_user=None))
        self.stdout.write(f"wrote {path} ({path.stat().st_size} bytes)")
