"""Delete what is past the retention policy (support.retention.policy_days_all)."""

from django.core.management.base import BaseCommand

from support import retention


class Command(BaseCommand):
    help = "Delete data past the retention policy; --dry-run only counts it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        for kind, days in retention.policy_days_all().items():
            self.stdout.write(f"policy {kind}: {f'{days} days' if days else 'keep forever'}")
        counts = retention.retention_purge(dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        for kind, count in counts.items():
            self.stdout.write(f"{verb} {kind}: {count}")
