"""Load the demo help articles on their own (seed_demo also does it). Idempotent."""

from django.core.management.base import BaseCommand

from faq.seed import seed_help_articles


class Command(BaseCommand):
    help = "Load the demo help-centre categories and articles in English and Turkish."

    def handle(self, *args, **options):
        articles = seed_help_articles()
        self.stdout.write(self.style.SUCCESS(f"{len(articles)} help articles loaded."))
