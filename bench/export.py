"""Memory of the CRM export: 100,000 contacts (and conversations with transcripts) streamed.

    .venv/bin/python bench/export.py [--contacts 100000] [--conversations 10000]
                                     [--database-url postgres://…/destek_bench_export]

Builds the rows in a throwaway database (a temporary SQLite file unless --database-url names
a PostgreSQL database, which is dropped and created afresh), then reads the export the way the
admin download and `manage.py export_contacts` do, writing to a null sink. For each export it
prints the Python heap peak seen by tracemalloc while streaming, the process's peak RSS, the
size written and the time taken; for contrast, the same contacts loaded the naive way (a list
of rows, then one json.dumps) on the same heap measure.
"""

import argparse
import os
import resource
import secrets
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare_database(url: str | None, tmp: Path) -> str:
    if not url:
        return f"sqlite:///{tmp / 'export.sqlite3'}"
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url


def build(contacts: int, conversations: int, messages_each: int) -> None:
    from django.utils import timezone

    from support.models import Contact, Conversation, Message, Widget

    widget = Widget.objects.create(key="bench", name="Bench")
    now = timezone.now()
    batch = 5000
    for start in range(0, contacts, batch):
        Contact.objects.bulk_create(
            Contact(
                widget=widget,
                external_id=f"user-{n}",
                identified=True,
                name=f"Customer Number {n}",
                email=f"customer{n}@example.com",
                phone="+90 555 000 00 00",
                attributes={"plan": "pro", "seats": n % 50, "country": "TR"},
                locale="tr",
            )
            for n in range(start, min(start + batch, contacts))
        )
    contact_ids = list(Contact.objects.values_list("id", flat=True)[:conversations])
    for start in range(0, len(contact_ids), 1000):
        made = Conversation.objects.bulk_create(
            Conversation(contact_id=cid, status="resolved", last_message_at=now, resolved_at=now)
            for cid in contact_ids[start : start + 1000]
        )
        Message.objects.bulk_create(
            Message(
                conversation=conversation,
                sender_type="visitor" if i % 2 == 0 else "bot",
                body=f"Message {i} of this conversation: where is my order? " * 2,
            )
            for conversation in made
            for i in range(messages_each)
        )


def measure(label: str, produce) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    written = 0
    for piece in produce():
        written += len(piece)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label:<44} heap peak {peak / 1e6:7.1f} MB   RSS peak {rss_mb():7.1f} MB   "
        f"{written / 1e6:7.1f} MB written in {elapsed:5.1f} s"
    )


# VmHWM, not ru_maxrss: Linux carries a forking parent's ru_maxrss over into the child.
CHILD = """
import os, sys
import django
django.setup()
from django.core.management import call_command
if sys.argv[1] != "-":
    with open(os.devnull, "w") as null:
        call_command(sys.argv[1], "--format", sys.argv[2], "--output", os.devnull, stderr=null)
with open("/proc/self/status") as status:
    print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


def child_rss_mb(command: str, fmt: str = "csv") -> tuple[float, float]:
    """Peak RSS of a fresh process running `manage.py <command> --output /dev/null` (the
    whole process: interpreter, Django, the export), and its wall time."""
    import subprocess

    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", CHILD, command, fmt],
        cwd=ROOT,
        env={**os.environ},
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout.split()[-1]) / 1024, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages-each", type=int, default=6)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = prepare_database(args.database_url, Path(tmp))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        # A key of its own (the settings refuse to start without one); DEBUG stays off, so
        # Django keeps no log of every query in memory.
        os.environ["SECRET_KEY"] = "bench-" + secrets.token_hex(24)
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        build(args.contacts, args.conversations, args.messages_each)
        print(
            f"{args.contacts:,} contacts; {args.conversations:,} conversations × "
            f"{args.messages_each} messages; {settings.DATABASES['default']['ENGINE']}"
        )
        print(f"RSS peak after building the data: {rss_mb():.1f} MB")

        import json

        from integrations import exports
        from support.models import Contact

        baseline, _elapsed = child_rss_mb("-")
        print(f"{'a process that only loads Django':<44} RSS peak {baseline:7.1f} MB")
        for command, fmt in (
            ("export_contacts", "csv"),
            ("export_contacts", "json"),
            ("export_conversations", "json"),
        ):
            rss, elapsed = child_rss_mb(command, fmt)
            print(
                f"{'manage.py ' + command + ' --format ' + fmt:<44} RSS peak {rss:7.1f} MB   "
                f"(+{rss - baseline:.1f} MB over Django alone) in {elapsed:5.1f} s"
            )
        print("In this process, with tracemalloc (slower):")
        measure(
            "contacts CSV (streamed)", lambda: exports.export_stream(kind="contacts", fmt="csv")
        )
        measure(
            "contacts JSON (streamed)", lambda: exports.export_stream(kind="contacts", fmt="json")
        )
        measure(
            "conversations CSV with transcripts (streamed)",
            lambda: exports.export_stream(kind="conversations", fmt="csv"),
        )
        measure(
            "contacts JSON, naive (list, then dumps)",
            lambda: [
                json.dumps(
                    [exports.contact_row(c) for c in list(Contact.objects.select_related("widget"))]
                )
            ],
        )


if __name__ == "__main__":
    main()
