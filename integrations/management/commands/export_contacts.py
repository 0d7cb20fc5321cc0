"""manage.py export_contacts [--format csv|json] [--since DATE] [--until DATE] [--output FILE]"""

from integrations.management.export_command import ExportCommand


class Command(ExportCommand):
    help = "Export contacts (created in [since, until)) as CSV or JSON, streamed."
    kind = "contacts"
