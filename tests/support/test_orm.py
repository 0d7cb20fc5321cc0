"""support/sql/rows.py: fields_save, save(update_fields=…) as one fixed-shape UPDATE; row_insert,
save(force_insert=True) as one fixed-shape INSERT; support.orm.instance_with."""

from datetime import UTC, datetime

import pytest
from django.db import DatabaseError, connection
from django.db.models import F
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext

from support.models import AuditEvent, Conversation
from support.orm import instance_with
from support.sql import fields_save, row_insert
from tests import factories

pytestmark = pytest.mark.django_db

Status = Conversation.Status


def test_only_the_given_fields_are_written_and_concurrent_changes_to_others_are_kept():
    conversation = factories.conversation()
    held = Conversation.objects.get(pk=conversation.pk)
    # Someone else changes other columns after `held` was read.
    Conversation.objects.filter(pk=conversation.pk).update(
        bot_turns=7, priority=Conversation.Priority.URGENT, visitor_unread_count=4
    )
    held.last_message_preview = "new preview"
    held.agent_unread_count = 9
    held.bot_turns = 1  # changed in memory, not named: must not be written

    with CaptureQueriesContext(connection) as queries:
        fields_save(instance=held, fields=["last_message_preview", "agent_unread_count"])

    (query,) = queries.captured_queries
    assert query["sql"].startswith("UPDATE")
    for column in ("bot_turns", "priority", "visitor_unread_count", "status"):
        assert column not in query["sql"]
    stored = Conversation.objects.get(pk=conversation.pk)
    assert (stored.last_message_preview, stored.agent_unread_count) == ("new preview", 9)
    assert (stored.bot_turns, stored.priority, stored.visitor_unread_count) == (7, "urgent", 4)


def test_values_are_stored_as_the_orm_stores_them():
    """Choices, aware datetimes (microseconds kept), a foreign key given as an object, None:
    the same row as save(update_fields=…) leaves, read back with the same types."""
    agent = factories.agent()
    at = datetime(2026, 11, 26, 1, 2, 3, 456789, tzinfo=UTC)
    fields = ["status", "assignee", "first_response_at", "resolution_seconds", "resolved_by_bot"]

    def change(conversation):
        conversation.status = Status.PENDING
        conversation.assignee = agent.user
        conversation.first_response_at = at
        conversation.resolution_seconds = None
        conversation.resolved_by_bot = True

    by_orm, by_statement = factories.conversation(), factories.conversation()
    change(by_orm)
    by_orm.save(update_fields=fields)
    change(by_statement)
    fields_save(instance=by_statement, fields=fields)

    orm_row = Conversation.objects.get(pk=by_orm.pk)
    row = Conversation.objects.get(pk=by_statement.pk)
    for name in ("status", "assignee_id", "first_response_at", "resolution_seconds"):
        assert repr(getattr(row, name)) == repr(getattr(orm_row, name)), name
    assert row.resolved_by_bot is True
    assert (row.status, row.assignee_id, row.first_response_at) == ("pending", agent.user.pk, at)


def test_a_missing_row_raises_as_save_does():
    gone = factories.conversation()
    Conversation.objects.filter(pk=gone.pk).delete()
    gone.bot_turns = 2
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        fields_save(instance=gone, fields=["bot_turns"])
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        gone.save(update_fields=["bot_turns"])


def test_an_unknown_field_is_refused_as_save_refuses_it():
    conversation = factories.conversation()
    with pytest.raises(ValueError, match="do not exist"):
        fields_save(instance=conversation, fields=["no_such_field"])


@pytest.mark.parametrize("signal", [pre_save, post_save], ids=["pre_save", "post_save"])
def test_with_a_save_signal_receiver_the_orm_save_runs_and_sends_it(signal):
    conversation = factories.conversation()
    heard = []

    def receiver(sender, instance, update_fields, **kwargs):
        heard.append((instance, update_fields))

    signal.connect(receiver, sender=Conversation)
    try:
        conversation.bot_turns = 3
        fields_save(instance=conversation, fields=["bot_turns"])
    finally:
        signal.disconnect(receiver, sender=Conversation)

    assert heard == [(conversation, frozenset({"bot_turns"}))]
    assert Conversation.objects.get(pk=conversation.pk).bot_turns == 3


def test_an_expression_value_goes_through_the_orm_which_resolves_it():
    conversation = factories.conversation()
    before = Conversation.objects.get(pk=conversation.pk).visitor_unread_count
    conversation.visitor_unread_count = F("visitor_unread_count") + 2
    fields_save(instance=conversation, fields=["visitor_unread_count"])
    assert Conversation.objects.get(pk=conversation.pk).visitor_unread_count == before + 2


def test_nothing_listens_to_conversation_saves_today():
    """If this fails, a receiver was added: fields_save already sends its signals (by using
    the ORM's save), but the message path then pays the ORM's cost again: measure it."""
    assert not pre_save.has_listeners(Conversation)
    assert not post_save.has_listeners(Conversation)


def audit_line(**changes):
    values = {
        "actor_id": None,
        "actor_name": "system",
        "action": AuditEvent.Action.CONVERSATION_STATUS_CHANGED,
        "contact_ref": 7,
        "conversation_ref": 9,
        "ip_address": None,
        "detail": {"from": "queued", "to": "open", "reason": "agent_reply"},
    }
    return AuditEvent(**{**values, **changes})


def test_row_insert_writes_the_row_save_writes_in_one_statement():
    agent = factories.agent()
    changes = {"actor_id": agent.user_id, "ip_address": "192.0.2.1"}
    by_orm, by_statement = audit_line(**changes), audit_line(**changes)
    by_orm.save(force_insert=True)

    with CaptureQueriesContext(connection) as queries:
        row_insert(instance=by_statement)

    (query,) = queries.captured_queries
    assert query["sql"].startswith("INSERT")
    assert by_statement.pk > by_orm.pk
    assert (by_statement._state.adding, by_statement._state.db) == (False, by_orm._state.db)
    assert by_statement.created_at is not None  # auto_now_add, as save() stamps it

    def row(event):
        stored = AuditEvent.objects.filter(pk=event.pk).values().get()
        del stored["id"], stored["created_at"]
        return stored

    assert row(by_statement) == row(by_orm)


def test_row_insert_leaves_it_to_save_when_someone_listens():
    heard = []

    def saved(sender, instance, created, **kwargs):
        heard.append((instance, created))

    post_save.connect(saved, sender=AuditEvent)
    try:
        event = audit_line()
        row_insert(instance=event)
    finally:
        post_save.disconnect(saved, sender=AuditEvent)
    assert heard == [(event, True)]
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_instance_with_loads_the_given_fields_and_reads_the_rest_from_the_row():
    """support.orm.instance_with, the consumers' conversation for a send: what it was given,
    and never a default standing in for a stored value (a status would be the field's default)."""
    conversation = factories.conversation()
    Conversation.objects.filter(pk=conversation.pk).update(status=Status.RESOLVED)
    with CaptureQueriesContext(connection) as made:
        ref = instance_with(Conversation, id=conversation.pk, contact_id=conversation.contact_id)
        assert (ref.pk, ref.contact_id) == (conversation.pk, conversation.contact_id)
    assert len(made) == 0
    assert "status" in ref.get_deferred_fields()
    assert ref.status == Status.RESOLVED  # read from the row
