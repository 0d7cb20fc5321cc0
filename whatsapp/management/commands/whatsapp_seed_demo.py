"""The demo café's WhatsApp number (`make run`), answered by this server's pretend Graph API."""

from django.core.management.base import BaseCommand

from support.demo import demo_seed_check
from whatsapp.demo import demo_channel_seed


class Command(BaseCommand):
    help = "Load the demo WhatsApp number (after seed_demo; safe to run again)."

    def handle(self, *args, **options):
        demo_seed_check("whatsapp_seed_demo")
        channel = demo_channel_seed()
        self.stdout.write(self.style.SUCCESS(f"Demo WhatsApp number {channel} loaded."))
