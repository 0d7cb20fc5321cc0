"""The shared body of `export_contacts` and `export_conversations`."""

from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from integrations import exports


def parse_moment(value: str | None) -> datetime | None:
    """A date (midnight, in the site's time zone) or a date-time; None when empty."""
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ValueError(value)
        moment = datetime.combine(day, time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class ExportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=exports.FORMATS, default="csv")
        parser.add_argument("--since", help="From this date or date-time (inclusive).")
        parser.add_argument("--until", help="Before this date or date-time (exclusive).")
        parser.add_argument("--output", "-o", help="A file to write; standard output if absent.")

    def handle(self, *args, **options):
        try:
            since = parse_moment(options["since"])
            until = parse_moment(options["until"])
        except ValueError as error:
            raise CommandError(
                f"Not a date or date-time: {error} (use 2026-01-31 or 2026-01-31T09:00)."
            ) from None
        counted = Counted(exports.export_rows(kind=self.kind, since=since, until=until))
        stream = exports.export_render(rows=counted, kind=self.kind, fmt=options["format"])
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as out:
                out.writelines(stream)
            self.stderr.write(f"Wrote {counted.count} {self.kind} to {options['output']}.")
        else:
            for piece in stream:
                self.stdout.write(piece, ending="")


class Counted:
    def __init__(self, rows):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row
