"""support.retention: per-kind retention policies, dry run vs. deletion, boundaries."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from ratings import services as rating_services
from ratings.models import Rating
from support import retention, tasks
from support.models import Contact, Conversation, Message
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 3, 30, tzinfo=UTC)
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)


@pytest.fixture
def policy(settings):
    settings.DESTEK = {
        **settings.DESTEK,
        "RETENTION_DAYS": {"messages": 30, "contacts_without_conversations": 10},
    }


def resolved_at(when, *, rated=False) -> Conversation:
    agent = factories.agent()
    conversation = factories.resolved_conversation(agent_user=agent.user)
    if rated:
        rating_services.rating_submit(conversation=conversation, score=4)
    Conversation.objects.filter(pk=conversation.pk).update(resolved_at=when)
    return conversation


def lonely_contact(last_seen) -> Contact:
    contact, _token = factories.visitor()
    Contact.objects.filter(pk=contact.pk).update(last_seen_at=last_seen)
    return contact


def test_nothing_is_purged_when_every_policy_is_keep_forever(settings):
    settings.DESTEK = {
        **settings.DESTEK,
        "RETENTION_DAYS": {"messages": 0, "contacts_without_conversations": 0},
    }
    resolved_at(NOW - 5000 * DAY)
    lonely_contact(NOW - 5000 * DAY)
    counts = retention.retention_purge(now=NOW)
    assert counts == {"conversations": 0, "messages": 0, "ratings": 0, "contacts": 0}
    assert Conversation.objects.count() == 1


def test_conversations_exactly_at_the_policy_age_are_kept_one_second_older_deleted(policy):
    kept = resolved_at(NOW - 30 * DAY)
    expired = resolved_at(NOW - 30 * DAY - SECOND, rated=True)
    expired_messages = expired.messages.count()
    assert expired_messages >= 2
    counts = retention.retention_purge(now=NOW)
    assert counts["conversations"] == 1
    assert counts["messages"] == expired_messages
    assert counts["ratings"] == 1
    assert list(Conversation.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not Message.objects.filter(conversation_id=expired.pk).exists()
    assert not Rating.objects.exists()
    # Its contact has no conversation left, but was seen just now: kept.
    assert Contact.objects.filter(pk=expired.contact_id).exists()


def test_open_conversations_are_never_purged_however_old(policy):
    conversation = factories.conversation()
    Conversation.objects.filter(pk=conversation.pk).update(
        created_at=NOW - 400 * DAY, last_message_at=NOW - 400 * DAY
    )
    assert retention.retention_purge(now=NOW)["conversations"] == 0
    assert Conversation.objects.filter(pk=conversation.pk).exists()


def test_contacts_without_conversations_past_policy_are_deleted(policy):
    kept = lonely_contact(NOW - 10 * DAY)
    expired = lonely_contact(NOW - 10 * DAY - SECOND)
    never_seen = lonely_contact(None)
    Contact.objects.filter(pk=never_seen.pk).update(created_at=NOW - 11 * DAY)
    with_old_chat = resolved_at(NOW - DAY).contact
    Contact.objects.filter(pk=with_old_chat.pk).update(last_seen_at=NOW - 100 * DAY)
    counts = retention.retention_purge(now=NOW)
    assert counts["contacts"] == 2
    remaining = set(Contact.objects.values_list("pk", flat=True))
    assert kept.pk in remaining
    assert with_old_chat.pk in remaining
    assert not {expired.pk, never_seen.pk} & remaining


def test_a_dry_run_counts_what_a_real_run_deletes_and_changes_nothing(policy):
    for _ in range(3):
        resolved_at(NOW - 31 * DAY, rated=True)
    resolved_at(NOW - 31 * DAY)
    resolved_at(NOW - DAY)
    lonely_contact(NOW - 11 * DAY)
    before = (Conversation.objects.count(), Message.objects.count(), Contact.objects.count())
    planned = retention.retention_purge(now=NOW, dry_run=True)
    assert (
        Conversation.objects.count(),
        Message.objects.count(),
        Contact.objects.count(),
    ) == before
    assert planned["conversations"] == 4
    assert planned["ratings"] == 3
    assert planned["contacts"] == 1
    done = retention.retention_purge(now=NOW, batch_size=2)  # several batches
    assert done == planned
    assert Conversation.objects.count() == 1
    assert retention.retention_purge(now=NOW)["conversations"] == 0  # idempotent


def test_the_command_prints_counts_per_kind(policy):
    resolved_at(NOW - 31 * DAY)
    out = io.StringIO()
    call_command("purge_expired", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "policy messages: 30 days" in text
    assert "would delete conversations: 1" in text
    assert "would delete contacts: 0" in text
    assert Conversation.objects.count() == 1
    out = io.StringIO()
    call_command("purge_expired", stdout=out)
    assert "deleted conversations: 1" in out.getvalue()
    assert not Conversation.objects.exists()


def test_the_nightly_task_runs_the_purge(policy):
    conversation = resolved_at(timezone.now() - 31 * DAY)
    tasks.retention_sweep.apply(throw=True)
    assert not Conversation.objects.filter(pk=conversation.pk).exists()
