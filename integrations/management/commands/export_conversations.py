"""manage.py export_conversations [--format csv|json] [--since DATE] [--until DATE] [--output F]"""

from integrations.management.export_command import ExportCommand


class Command(ExportCommand):
    help = (
        "Export conversations (created in [since, until)) with their transcripts as CSV or "
        "JSON, streamed."
    )
    kind = "conversations"
