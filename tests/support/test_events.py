"""support.events: the one dispatcher. Order, after commit, nothing for a rolled-back write, the
in-transaction kind, and every event's data round-tripped through JSON."""

import json

import pytest
from django.db import transaction

from ratings import services as rating_services
from support import automation, conversation_context, events, services
from support.models import Conversation
from tests import factories

# Ids of no row: the project's own listeners of these events find nothing to do.
INNER, OUTER = 10**9 + 1, 10**9 + 2


@pytest.fixture
def listen():
    """Connect listeners for one test; disconnected after it."""
    connected = []

    def connect(name, listener, **kwargs):
        events.event_listen(name, listener, **kwargs)
        connected.append((name, listener))

    yield connect
    for name, listener in connected:
        events.event_unlisten(name, listener)


@pytest.mark.django_db(transaction=True)
def test_after_commit_listeners_run_on_commit_in_emit_order(listen):
    heard = []
    listen("queue.moved", lambda event: heard.append(("first", event.data["team_id"])))
    listen("queue.moved", lambda event: heard.append(("second", event.data["team_id"])))
    with transaction.atomic():
        events.event_emit("queue.moved", team_id=1)
        events.event_emit("queue.moved", team_id=2)
        assert heard == []
    assert heard == [("first", 1), ("second", 1), ("first", 2), ("second", 2)]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_sends_nothing(listen):
    heard = []
    listen("queue.moved", heard.append)
    with pytest.raises(RuntimeError), transaction.atomic():
        events.event_emit("queue.moved", team_id=1)
        raise RuntimeError("the write failed")
    assert heard == []


@pytest.mark.django_db(transaction=True)
def test_in_transaction_listeners_run_at_once_and_their_error_fails_the_write(listen):
    heard = []
    listen("queue.moved", lambda event: heard.append("after commit"))
    listen("queue.moved", lambda event: heard.append("in transaction"), in_transaction=True)
    with transaction.atomic():
        events.event_emit("queue.moved", team_id=1)
        assert heard == ["in transaction"]
    assert heard == ["in transaction", "after commit"]

    def refuse(event):
        raise ValueError("refused")

    team = factories.team()
    listen("conversation.labels_changed", refuse, in_transaction=True)
    with pytest.raises(ValueError), transaction.atomic():
        team.name = "Renamed"
        team.save()
        events.event_emit("conversation.labels_changed", conversation_id=1)
    team.refresh_from_db()
    assert team.name != "Renamed"


@pytest.mark.django_db(transaction=True)
def test_in_transaction_listeners_run_by_order_then_as_connected(listen):
    heard = []
    listen("queue.moved", lambda event: heard.append("b"), in_transaction=True)
    listen("queue.moved", lambda event: heard.append("c"), in_transaction=True)
    listen("queue.moved", lambda event: heard.append("a"), in_transaction=True, order=-1)
    events.event_emit("queue.moved", team_id=None)
    assert heard == ["a", "b", "c"]


@pytest.mark.django_db(transaction=True)
def test_an_events_after_commit_work_goes_before_that_of_events_its_listeners_emit(listen):
    """A visitor's message is published before the bot's answer to it (the bot answers in
    the visitor's transaction, and its message emits an event of its own)."""
    heard = []
    listen("queue.moved", lambda event: heard.append(("answer", event.data["team_id"])))
    listen(
        "conversation.labels_changed",
        lambda event: events.event_emit("queue.moved", team_id=INNER),
        in_transaction=True,
    )
    listen("conversation.labels_changed", lambda event: heard.append(("first", OUTER)))
    with transaction.atomic():
        events.event_emit("conversation.labels_changed", conversation_id=OUTER)
    assert heard == [("first", OUTER), ("answer", INNER)]


@pytest.mark.django_db(transaction=True)
def test_a_failing_after_commit_listener_is_logged_and_the_others_still_run(listen, caplog):
    heard = []

    def fail(event):
        raise ConnectionError("Redis is down")

    listen("queue.moved", fail)
    listen("queue.moved", heard.append)
    with transaction.atomic():
        events.event_emit("queue.moved", team_id=None)
    assert len(heard) == 1
    assert "queue.moved failed" in caplog.text


def test_unknown_events_are_refused():
    with pytest.raises(ValueError):
        events.event_emit("message.typo", message_id=1)
    with pytest.raises(ValueError):
        events.event_listen("message.typo", print)


@pytest.mark.django_db(transaction=True)
def test_connecting_a_listener_twice_runs_it_once(listen):
    heard = []
    listen("queue.moved", heard.append, in_transaction=True)
    listen("queue.moved", heard.append, in_transaction=True)
    events.event_emit("queue.moved", team_id=None)
    assert len(heard) == 1


@pytest.mark.django_db(transaction=True)
def test_every_event_of_the_write_paths_round_trips_through_json(listen):
    """Each event's data is what a listener in another process would get: ids and values."""
    emitted = []
    for name in events.EVENTS:
        listen(name, emitted.append, in_transaction=True)
    team = factories.team()
    topic = factories.topic(team=team)
    agent = factories.agent(teams=[team], online=True)
    supervisor = factories.supervisor()
    contact, _token = factories.visitor(widget_obj=factories.widget(bot_enabled=True))
    conversation, _created = services.conversation_start(
        contact=contact, body="Hello", client_id="c-1", topic_slug=topic.slug
    )
    reply, _created = services.message_send(
        conversation=conversation, sender_type="agent", body="Hi!", agent=agent.user
    )
    services.message_edit(profile=agent, message_id=reply.pk, body="Hello!")
    services.conversation_mark_read(conversation=conversation, side="visitor", up_to=10**6)
    services.note_create(conversation=conversation, author=agent, body="@nobody checked")
    label = factories.label()
    services.conversation_label_add(conversation=conversation, label_id=label.pk)
    conversation_context.conversation_context_set(
        conversation=conversation, context={"order_id": "1042"}
    )
    services.conversation_set_priority(
        conversation=conversation, priority="high", by_user=agent.user
    )
    services.contact_update(contact=contact, by_user=agent.user, name="Ayşe", email="a@b.co")
    # A channel that sends messages out (WhatsApp) failed, and the agent retries.
    reply = conversation.messages.get(sender_type="agent")
    services.message_delivery_set(message=reply, delivery="failed", error="429")
    services.message_delivery_retry(message=reply)
    services.conversation_resolve(conversation=conversation, agent=agent.user)
    conversation.refresh_from_db()
    rating_services.rating_submit(conversation=conversation, score=5)
    services.conversation_reopen(conversation=conversation, by_agent=supervisor.user)
    services.agent_console_closed(profile=agent)
    Conversation.objects.filter(pk=conversation.pk).update(
        first_response_at=None, first_response_due_at=conversation.created_at
    )
    automation.sla_sweep()

    # Every named event is emitted by one of the writes above.
    seen = {event.name for event in emitted}
    assert seen == set(events.EVENTS)
    for event in emitted:
        assert json.loads(json.dumps(event.data)) == event.data, event.name
