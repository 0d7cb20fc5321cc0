"""The demo café's support address and a customer's mail (`make run`), with no mail server."""

from django.core.management.base import BaseCommand

from emails.demo import demo_mailbox_seed
from support.demo import demo_seed_check


class Command(BaseCommand):
    help = "Load the demo support address and a received mail (after seed_demo; safe to rerun)."

    def handle(self, *args, **options):
        demo_seed_check("emails_seed_demo")
        address = demo_mailbox_seed()
        self.stdout.write(self.style.SUCCESS(f"Demo support address {address} loaded."))
