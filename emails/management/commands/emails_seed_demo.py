"""The demo café's support address and a customer's mail (`make run`), with no mail server."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from emails.demo import demo_mailbox_seed


class Command(BaseCommand):
    help = "Load the demo support address and a received mail (after seed_demo; safe to rerun)."

    def handle(self, *args, **options):
        if not (settings.DEBUG or settings.DESTEK["DEMO"]):
            raise CommandError("emails_seed_demo runs only with DEBUG=1 or DESTEK_DEMO=1.")
        address = demo_mailbox_seed()
        self.stdout.write(self.style.SUCCESS(f"Demo support address {address} loaded."))
