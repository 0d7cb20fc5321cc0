"""Retention: delete what is older than the policy (set in the console, RetentionPolicy; the
environment's settings DESTEK["RETENTION_DAYS"] are the defaults).

Policies, in days (0 = keep forever):
- "messages": resolved conversations resolved longer ago than this are deleted with their
  messages and rating. Open conversations are never touched, however old.
- "contacts_without_conversations": contacts that have no conversation (any more) and were
  last seen (or, never seen, created) longer ago than this are deleted.
Attachments go with their conversations: their stored files are deleted from storage after
the batch commits (chat.attachments). Uploads never sent in a message are deleted after
DESTEK["ATTACHMENT_UNSENT_MAX_AGE_HOURS"] whatever the policy.

Run nightly by `support.tasks.retention_sweep` and by hand with `manage.py purge_expired
[--dry-run]`. Deletes go in batches of BATCH_SIZE rows by primary key (bounded memory, short
transactions), each batch re-checking the policy under row locks so a conversation reopened
or a contact that started a chat meanwhile is kept.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Contact, Conversation, RetentionPolicy

BATCH_SIZE = 500
KINDS = ("conversations", "messages", "ratings", "contacts")


def policy_defaults() -> dict[str, int]:
    """The environment's periods (DESTEK_RETENTION_*_DAYS): what holds until a supervisor
    sets one in the console."""
    return {k: int(v or 0) for k, v in settings.DESTEK.get("RETENTION_DAYS", {}).items()}


def policy_days_all() -> dict[str, int]:
    """The one source of the periods in force: the console's setting, else the default."""
    days = policy_defaults()
    days.update(RetentionPolicy.objects.filter(kind__in=days).values_list("kind", "days"))
    return days


def _policy_days(kind: str) -> int:
    return policy_days_all().get(kind, 0)


def expired_conversations_q(*, now: datetime) -> Q | None:
    """Resolved conversations past the "messages" policy (strictly older), or None when off."""
    days = _policy_days("messages")
    if days <= 0:
        return None
    return Q(status=Conversation.Status.RESOLVED, resolved_at__lt=now - timedelta(days=days))


def expired_contacts_q(*, now: datetime) -> Q | None:
    days = _policy_days("contacts_without_conversations")
    if days <= 0:
        return None
    return Q(conversations__isnull=True, last_activity__lt=now - timedelta(days=days))


def _contacts():
    return Contact.objects.annotate(last_activity=Coalesce("last_seen_at", "created_at"))


def _delete_in_batches(queryset, *, batch_size: int) -> dict[str, int]:
    """Delete the rows of `queryset` by pk batches; counts per model label (cascades too)."""
    deleted: dict[str, int] = {}
    last_pk = 0
    while True:
        ids = list(
            queryset.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return deleted
        last_pk = ids[-1]
        with transaction.atomic():
            # Re-check under the row locks: rows changed meanwhile no longer match.
            locked = list(
                queryset.filter(pk__in=ids)
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", flat=True)
            )
            if not locked:
                continue
            if queryset.model is Conversation:
                # Rows now, files once this batch commits.
                services.attachments_delete_for_conversations(conversation_ids=locked)
            _total, per_model = queryset.model.objects.filter(pk__in=locked).delete()
        for label, count in per_model.items():
            deleted[label] = deleted.get(label, 0) + count


def retention_purge(
    *, now: datetime | None = None, dry_run: bool = False, batch_size: int = BATCH_SIZE
) -> dict[str, int]:
    """Delete (or with dry_run, count) what is past policy: {kind: count} for KINDS.

    A dry run counts contacts that have no conversation now; a real run also deletes the
    contacts left without conversations by this run's conversation purge.
    """
    now = now or timezone.now()
    counts = dict.fromkeys(KINDS, 0)
    if not dry_run:
        services.attachments_delete_unsent(now=now)
    conversations_q = expired_conversations_q(now=now)
    if conversations_q is not None:
        expired = Conversation.objects.filter(conversations_q)
        if dry_run:
            totals = expired.aggregate(
                conversations=Count("pk", distinct=True),
                messages=Count("messages", distinct=True),
                ratings=Count("rating", distinct=True),
            )
            counts.update(totals)
        else:
            deleted = _delete_in_batches(expired, batch_size=batch_size)
            counts["conversations"] = deleted.get("support.Conversation", 0)
            counts["messages"] = deleted.get("support.Message", 0)
            counts["ratings"] = deleted.get("ratings.Rating", 0)
    contacts_q = expired_contacts_q(now=now)
    if contacts_q is not None:
        expired_contacts = _contacts().filter(contacts_q)
        if dry_run:
            counts["contacts"] = expired_contacts.count()
        else:
            deleted = _delete_in_batches(expired_contacts, batch_size=batch_size)
            counts["contacts"] = deleted.get("support.Contact", 0)
    return counts


POLICY_LABELS = {
    "messages": _("Resolved conversations (messages, rating, files)"),
    "contacts_without_conversations": _("Contacts without conversations"),
}


def retention_policies() -> list[dict]:
    """The policies in force, for the supervisors' pages: kind, label, days (0 = kept), and
    the environment's default."""
    defaults = policy_defaults()
    return [
        {
            "kind": kind,
            "label": POLICY_LABELS.get(kind, kind),
            "days": days,
            "default": defaults[kind],
        }
        for kind, days in policy_days_all().items()
    ]
