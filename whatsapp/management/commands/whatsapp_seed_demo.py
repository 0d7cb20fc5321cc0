"""The demo café's WhatsApp number (`make run`), answered by this server's pretend Graph API."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from whatsapp.demo import demo_channel_seed


class Command(BaseCommand):
    help = "Load the demo WhatsApp number (after seed_demo; safe to run again)."

    def handle(self, *args, **options):
        if not (settings.DEBUG or settings.DESTEK["DEMO"]):
            raise CommandError("whatsapp_seed_demo runs only with DEBUG=1 or DESTEK_DEMO=1.")
        channel = demo_channel_seed()
        self.stdout.write(self.style.SUCCESS(f"Demo WhatsApp number {channel} loaded."))
