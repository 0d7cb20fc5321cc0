"""CRM export: contacts and conversations (with transcripts) as CSV or JSON, streamed.

Rows come from `integrations.selectors` querysets read with `.iterator(chunk_size)`, so memory
stays flat however many rows there are (the conversations' messages are prefetched per chunk);
each row is turned into text and yielded at once. The same generators feed the admin's
download (a StreamingHttpResponse) and `manage.py export_contacts` / `export_conversations`.
"""

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime

from support.privacy import CONTACT_FIELDS, contact_data

from . import selectors

KINDS = ("contacts", "conversations")
FORMATS = ("csv", "json")
CHUNK_SIZE = 2000
CONVERSATION_CHUNK_SIZE = 200

CONTACT_COLUMNS = list(CONTACT_FIELDS)
CONVERSATION_COLUMNS = [
    "id",
    "widget",
    "contact_id",
    "contact_external_id",
    "contact_name",
    "contact_email",
    "status",
    "topic",
    "team",
    "priority",
    "assignee",
    "created_at",
    "first_response_at",
    "resolved_at",
    "rating_score",
    "rating_comment",
    "message_count",
    # The conversation's custom attributes and pre-chat answers (order or table number).
    "attributes",
    "transcript",
]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# A contact's row is its own details, the same as in the API and the subject-access export.
contact_row = contact_data


def _agent_name(user) -> str:
    if user is None:
        return ""
    profile = getattr(user, "agent_profile", None)
    return profile.name if profile else user.get_username()


def _sender(message) -> str:
    if message.sender_type == "agent" and message.sender_agent is not None:
        return _agent_name(message.sender_agent)
    return message.sender_type


def conversation_row(conversation) -> dict:
    """One conversation; `transcript` is the list of its messages, oldest first."""
    try:
        rating = conversation.rating
    except conversation._meta.get_field("rating").related_model.DoesNotExist:
        rating = None
    messages = list(conversation.messages.all())  # prefetched per chunk by the selector
    contact = conversation.contact
    return {
        "id": conversation.pk,
        "widget": contact.widget.key,
        "contact_id": contact.pk,
        "contact_external_id": contact.external_id,
        "contact_name": contact.name,
        "contact_email": contact.email,
        "status": conversation.status,
        "topic": conversation.topic.slug if conversation.topic else None,
        "team": conversation.team.slug if conversation.team else None,
        "priority": conversation.priority,
        "assignee": _agent_name(conversation.assignee),
        "created_at": _iso(conversation.created_at),
        "first_response_at": _iso(conversation.first_response_at),
        "resolved_at": _iso(conversation.resolved_at),
        "rating_score": rating.score if rating else None,
        "rating_comment": rating.comment if rating else "",
        "message_count": len(messages),
        "attributes": conversation.attributes,
        "transcript": [
            {
                "id": message.pk,
                "sender_type": message.sender_type,
                "sender": _sender(message),
                "body": message.body,
                "created_at": _iso(message.created_at),
            }
            for message in messages
        ],
    }


def _transcript_text(transcript: list[dict]) -> str:
    return "\n".join(
        f"[{line['created_at'][:19].replace('T', ' ')}] {line['sender']}: {line['body']}"
        for line in transcript
    )


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> str:
    """Plain text for a spreadsheet: JSON for structures, and text that a spreadsheet would
    run as a formula (a visitor can type "=HYPERLINK(…)" as their name) starts with a quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


class _Line:
    """A file-like sink for csv.writer that hands back the line it was given."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[dict], columns: list[str]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(columns)
    for row in rows:
        if "transcript" in row:
            row = {**row, "transcript": _transcript_text(row["transcript"])}
        yield writer.writerow([_csv_cell(row[column]) for column in columns])


def json_lines(rows: Iterable[dict]) -> Iterator[str]:
    """A JSON array written one element per line, never held whole in memory."""
    yield "["
    separator = "\n"
    for row in rows:
        yield separator + json.dumps(row, ensure_ascii=False)
        separator = ",\n"
    yield "\n]\n"


def export_rows(
    *, kind: str, since: datetime | None = None, until: datetime | None = None
) -> Iterator[dict]:
    if kind == "contacts":
        queryset = selectors.contacts_for_export(since=since, until=until)
        return (contact_row(c) for c in queryset.iterator(chunk_size=CHUNK_SIZE))
    if kind == "conversations":
        queryset = selectors.conversations_for_export(since=since, until=until)
        return (conversation_row(c) for c in queryset.iterator(chunk_size=CONVERSATION_CHUNK_SIZE))
    raise ValueError(f"Unknown export {kind!r}.")


def export_render(*, rows: Iterable[dict], kind: str, fmt: str) -> Iterator[str]:
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}.")
    if fmt == "json":
        return json_lines(rows)
    return csv_lines(rows, CONTACT_COLUMNS if kind == "contacts" else CONVERSATION_COLUMNS)


def export_stream(
    *, kind: str, fmt: str, since: datetime | None = None, until: datetime | None = None
) -> Iterator[str]:
    """The whole export as a stream of text pieces."""
    return export_render(rows=export_rows(kind=kind, since=since, until=until), kind=kind, fmt=fmt)


def export_filename(*, kind: str, fmt: str, now: datetime) -> str:
    return f"destek-{kind}-{now:%Y%m%d-%H%M}.{fmt}"
