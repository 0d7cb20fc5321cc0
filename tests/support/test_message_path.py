"""A person's message in the steady state is one statement (support.sql.message_insert_locked):
the lock, the insert and the conversation's update; every rule still decides after it, and one
that refuses rolls the message back."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from support import errors
from support import services as support_services
from support.models import AuditEvent, Conversation, Message
from tests import factories

pytestmark = pytest.mark.django_db

# On PostgreSQL one statement; elsewhere the lock, the insert and the update in turn.
STEADY_STATEMENTS = 1 if connection.vendor == "postgresql" else 3


def open_assigned():
    """An open conversation with its agent, who has answered already."""
    agent = factories.agent()
    conversation = factories.conversation()
    support_services.message_send(
        conversation=conversation,
        sender_type="agent",
        agent=agent.user,
        body="Hello, I'm on it",
        visible_to=agent,
    )
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.OPEN
    return conversation, agent


def statements(send) -> tuple:
    """What `send` returns and the statements it ran, not counting the transaction's own
    (BEGIN, COMMIT, savepoints)."""
    with CaptureQueriesContext(connection) as queries:
        result = send()
    sql = [q["sql"] for q in queries.captured_queries]
    return result, [
        q for q in sql if not q.startswith(("BEGIN", "COMMIT")) and "SAVEPOINT" not in q
    ]


# Committed rows: the process caches (agents, priority rules) serve them without a query, as
# in a server; inside a test's transaction its own writes are read again each time.
@pytest.mark.django_db(transaction=True)
def test_a_visitors_message_into_an_open_conversation_is_one_statement():
    conversation, _agent = open_assigned()
    before = Conversation.objects.get(pk=conversation.pk)

    def send(client_id):
        return support_services.message_send(
            conversation=Conversation(pk=conversation.pk),
            sender_type="visitor",
            body="The bill is still open",
            client_id=client_id,
        )

    send("warm")  # the process caches (priority rules) fill once
    (message, created), sql = statements(lambda: send("v-2"))

    assert created
    assert len(sql) == STEADY_STATEMENTS, sql
    after = Conversation.objects.get(pk=conversation.pk)
    assert after.visitor_last_read_id == message.pk
    assert after.visitor_unread_count == 0
    assert after.agent_unread_count == before.agent_unread_count + 2
    assert after.last_message_preview == "The bill is still open"
    assert not after.last_message_preview_by_agent
    assert after.last_message_at == message.created_at
    assert after.status == before.status


@pytest.mark.django_db(transaction=True)
def test_an_agents_reply_in_their_conversation_is_one_statement_and_moves_their_read_mark():
    conversation, agent = open_assigned()
    factories.message(conversation=conversation, body="Any news?")
    Conversation.objects.filter(pk=conversation.pk).update(agent_unread_count=1)

    (message, created), sql = statements(
        lambda: support_services.message_send(
            conversation=Conversation(pk=conversation.pk),
            sender_type="agent",
            agent=agent.user,
            body="Found it",
            client_id="a-2",
            visible_to=agent,
        )
    )

    assert created
    assert len(sql) == STEADY_STATEMENTS, sql
    after = Conversation.objects.get(pk=conversation.pk)
    assert (after.agent_last_read_id, after.agent_unread_count) == (message.pk, 0)
    assert after.last_message_preview_by_agent
    assert message.conversation is not None and message.sender_agent_id == agent.user_id


def test_a_reply_that_changes_the_status_still_goes_through_the_gate():
    agent = factories.agent()
    conversation = factories.conversation()
    assert conversation.status == Conversation.Status.QUEUED

    message, created = support_services.message_send(
        conversation=Conversation(pk=conversation.pk),
        sender_type="agent",
        agent=agent.user,
        body="Hi, I'm here",
        client_id="first",
        visible_to=agent,
    )

    after = Conversation.objects.get(pk=conversation.pk)
    assert created
    assert after.status == Conversation.Status.OPEN
    assert after.assignee_id == agent.user_id
    assert after.first_response_at == message.created_at
    assert (after.agent_last_read_id, after.visitor_unread_count) == (message.pk, 1)
    assert AuditEvent.objects.filter(
        conversation_ref=conversation.pk, action=AuditEvent.Action.CONVERSATION_STATUS_CHANGED
    ).exists()


def test_a_retried_send_is_the_first_message_and_counts_once():
    conversation, _agent = open_assigned()

    def send():
        return support_services.message_send(
            conversation=Conversation(pk=conversation.pk),
            sender_type="visitor",
            body="Once",
            client_id="same",
        )

    first, created = send()
    counts = Conversation.objects.values_list("agent_unread_count", flat=True).get(
        pk=conversation.pk
    )
    again, created_again = send()

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Message.objects.filter(client_id="same").count() == 1
    assert (
        Conversation.objects.values_list("agent_unread_count", flat=True).get(pk=conversation.pk)
        == counts
    )


def test_a_refusal_after_the_statement_rolls_the_message_back():
    """Stored with the lock, then refused by a rule (resolved, blocked): nothing stays."""
    conversation, agent = open_assigned()
    support_services.conversation_resolve(conversation=conversation, agent=agent.user)
    row = Conversation.objects.filter(pk=conversation.pk).values().get()
    count = Message.objects.count()

    with pytest.raises(errors.Conflict):
        support_services.message_send(
            conversation=Conversation(pk=conversation.pk),
            sender_type="visitor",
            body="One more thing",
            client_id="late",
        )

    assert Message.objects.count() == count
    assert Conversation.objects.filter(pk=conversation.pk).values().get() == row

    blocked, blocked_agent = open_assigned()
    support_services.contact_block(conversation=blocked, by_user=blocked_agent.user, reason="spam")
    count = Message.objects.count()
    with pytest.raises(errors.Blocked):
        support_services.message_send(
            conversation=Conversation(pk=blocked.pk),
            sender_type="visitor",
            body="spam spam",
            client_id="spam",
        )
    assert Message.objects.count() == count
