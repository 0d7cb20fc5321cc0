"""Print a new VAPID key pair for Web Push (set them as VAPID_PUBLIC_KEY/VAPID_PRIVATE_KEY)."""

from django.core.management.base import BaseCommand

from alerts import vapid


class Command(BaseCommand):
    help = "Generate a VAPID key pair for the console's Web Push alerts."

    def handle(self, *args, **options):
        public_key, private_key = vapid.keys_generate()
        self.stdout.write(f"VAPID_PUBLIC_KEY={public_key}\nVAPID_PRIVATE_KEY={private_key}\n")
