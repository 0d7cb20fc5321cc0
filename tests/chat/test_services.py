"""support.services.messages/visitors: message_send, conversation_start, their realtime events."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from chat import realtime
from support import errors, services
from support import services as support_services
from support.models import Conversation, Label, Message
from tests import factories
from tests.chat.wire import MESSAGE_KEYS

pytestmark = pytest.mark.django_db


Status = Conversation.Status


def fresh(conversation: Conversation) -> Conversation:
    return Conversation.objects.get(pk=conversation.pk)


def send(conversation, body="hello", **kwargs):
    kwargs.setdefault("sender_type", "visitor")
    return services.message_send(conversation=conversation, body=body, **kwargs)


# --- message_send: idempotency ------------------------------------------------------------------


def test_the_same_client_id_twice_stores_one_message_and_returns_the_first():
    conversation = factories.conversation()

    first, first_created = send(conversation, body="one", client_id="c-1")
    second, second_created = send(conversation, body="one", client_id="c-1")

    assert first_created is True
    assert second_created is False
    assert second.pk == first.pk
    assert Message.objects.filter(conversation=conversation, client_id="c-1").count() == 1


def test_a_known_client_id_with_another_body_is_refused_not_answered_with_the_first():
    # The console reused a failed reply's id for a new text: answering with the first message
    # made the composer clear a text that was never stored.
    conversation = factories.conversation()
    send(conversation, body="one", client_id="c-1")

    with pytest.raises(errors.ClientIdReused) as refused:
        send(fresh(conversation), body="two", client_id="c-1")

    assert (refused.value.code, refused.value.status) == ("client_id_reused", 409)
    assert list(Message.objects.filter(client_id="c-1").values_list("body", flat=True)) == ["one"]


def test_a_known_client_id_from_another_sender_is_refused():
    conversation = factories.conversation()
    send(conversation, body="same", client_id="c-1")

    with pytest.raises(errors.ClientIdReused):
        services.message_send(
            conversation=fresh(conversation),
            sender_type=Message.SenderType.AGENT,
            agent=factories.agent().user,
            body="same",
            client_id="c-1",
        )


def test_a_retry_after_the_conversation_was_resolved_still_returns_the_first_message():
    conversation = factories.conversation()
    first, _ = send(conversation, client_id="c-1")
    support_services.conversation_set_status(conversation=conversation, status=Status.RESOLVED)

    again, created = send(fresh(conversation), client_id="c-1")

    assert (again.pk, created) == (first.pk, False)


def test_different_conversations_may_reuse_a_client_id():
    a = factories.conversation()
    b = factories.conversation()

    in_a, created_a = send(a, client_id="same")
    in_b, created_b = send(b, client_id="same")

    assert created_a and created_b
    assert in_a.pk != in_b.pk
    assert Message.objects.filter(client_id="same").count() == 2


def test_messages_without_a_client_id_are_never_deduplicated():
    conversation = factories.conversation()

    send(conversation, body="same")
    send(conversation, body="same", client_id="")
    send(conversation, body="same", client_id=None)

    assert conversation.messages.filter(body="same").count() == 3
    assert list(conversation.messages.filter(body="same").values_list("client_id", flat=True)) == [
        None,
        None,
        None,
    ]


# --- message_send: validation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("", "empty_message"),
        (None, "empty_message"),
        ("   \n\t ", "empty_message"),
        ("x" * 4001, "body_too_long"),
        (42, "invalid_body"),
        (["hi"], "invalid_body"),
        ({"text": "hi"}, "invalid_body"),
        ("hi\x00there", "invalid_body"),
    ],
    ids=["empty", "none", "whitespace", "too-long", "int", "list", "dict", "nul"],
)
def test_bad_bodies_are_refused_and_nothing_is_stored(body, code):
    conversation = factories.conversation()
    count = Message.objects.count()

    with pytest.raises(errors.InvalidInput) as caught:
        send(conversation, body=body, client_id="c-bad")

    assert caught.value.code == code
    assert caught.value.status == 400
    assert Message.objects.count() == count


def test_the_body_limit_is_inclusive_and_configurable(settings):
    conversation = factories.conversation()

    message, created = send(conversation, body="x" * 4000)
    assert created and len(message.body) == 4000

    settings.DESTEK = {**settings.DESTEK, "MESSAGE_MAX_CHARS": 10}
    with pytest.raises(errors.InvalidInput) as caught:
        send(conversation, body="x" * 11)
    assert caught.value.code == "body_too_long"
    assert send(conversation, body="x" * 10)[1] is True


def test_the_body_is_stored_stripped():
    conversation = factories.conversation()

    message, _ = send(conversation, body="  hello there \n")

    message.refresh_from_db()
    assert message.body == "hello there"


@pytest.mark.parametrize("client_id", ["c" * 65, 42, ["id"]], ids=["too-long", "int", "list"])
def test_a_bad_client_id_is_refused(client_id):
    conversation = factories.conversation()
    count = Message.objects.count()

    with pytest.raises(errors.InvalidInput) as caught:
        send(conversation, client_id=client_id)

    assert caught.value.code == "invalid_client_id"
    assert Message.objects.count() == count


def test_a_client_id_of_64_characters_is_fine():
    conversation = factories.conversation()

    message, created = send(conversation, client_id="c" * 64)

    assert created and message.client_id == "c" * 64


def test_an_unknown_sender_type_is_refused():
    conversation = factories.conversation()

    with pytest.raises(errors.InvalidInput):
        send(conversation, sender_type="robot")


def test_an_agent_message_needs_an_agent():
    conversation = factories.conversation()
    count = Message.objects.count()

    with pytest.raises(errors.InvalidInput):
        send(conversation, sender_type="agent", agent=None)

    assert Message.objects.count() == count
    assert fresh(conversation).status == Status.QUEUED


def test_a_visitor_message_to_a_resolved_conversation_is_a_conflict_and_stores_nothing():
    conversation = factories.resolved_conversation()
    count = Message.objects.count()
    before = fresh(conversation)

    with pytest.raises(errors.Conflict) as caught:
        send(conversation, body="are you there?", client_id="late")

    assert caught.value.code == "conversation_resolved"
    assert caught.value.status == 409
    assert Message.objects.count() == count
    after = fresh(conversation)
    assert after.status == Status.RESOLVED
    assert after.last_message_preview == before.last_message_preview


def test_the_resolved_check_uses_the_database_not_the_callers_stale_object():
    conversation = factories.conversation()  # queued in memory
    support_services.conversation_set_status(conversation=conversation, status=Status.RESOLVED)

    with pytest.raises(errors.Conflict):
        send(conversation, body="stale object")


# --- message_send: conversation state ------------------------------------------------------------


def test_an_agent_reply_on_a_queued_conversation_assigns_opens_and_marks_first_response():
    agent = factories.agent()
    conversation = factories.conversation()
    assert conversation.status == Status.QUEUED
    assert conversation.first_response_at is None

    reply, _ = send(conversation, sender_type="agent", agent=agent.user, body="Hi, I am here")

    after = fresh(conversation)
    assert reply.sender_agent_id == agent.user_id
    assert after.status == Status.OPEN
    assert after.assignee_id == agent.user_id
    assert after.first_response_at == reply.created_at
    assert after.agent_last_read_id == reply.pk


def test_a_second_reply_moves_neither_first_response_nor_the_assignee():
    first_agent, second_agent = factories.agent(), factories.agent()
    conversation = factories.conversation()
    first, _ = send(conversation, sender_type="agent", agent=first_agent.user, body="first")
    factories.message(conversation=conversation, body="thanks")

    second, _ = send(conversation, sender_type="agent", agent=second_agent.user, body="second")

    after = fresh(conversation)
    assert second.created_at >= first.created_at
    assert after.first_response_at == first.created_at
    assert after.assignee_id == first_agent.user_id
    assert after.agent_last_read_id == second.pk


def test_an_agent_reply_reopens_a_resolved_conversation():
    agent = factories.agent()
    conversation = factories.resolved_conversation()

    send(conversation, sender_type="agent", agent=agent.user, body="One more thing")

    after = fresh(conversation)
    assert after.status == Status.OPEN
    assert after.resolved_at is None


def test_a_visitor_message_on_a_pending_conversation_reopens_it():
    conversation = factories.conversation()
    support_services.conversation_set_status(conversation=conversation, status=Status.PENDING)

    message, _ = send(conversation, body="here is the receipt")

    after = fresh(conversation)
    assert after.status == Status.OPEN
    assert after.visitor_last_read_id == message.pk


def test_a_visitor_message_leaves_a_queued_conversation_queued():
    conversation = factories.conversation()

    send(conversation, body="still waiting")

    after = fresh(conversation)
    assert after.status == Status.QUEUED
    assert after.assignee_id is None
    assert after.first_response_at is None


def test_last_message_at_and_preview_follow_the_newest_message():
    agent = factories.agent()
    conversation = factories.conversation(body="first")
    first = conversation.messages.get()
    assert fresh(conversation).last_message_preview == "first"
    assert fresh(conversation).last_message_at == first.created_at

    reply, _ = send(conversation, sender_type="agent", agent=agent.user, body="second")
    after = fresh(conversation)
    assert (after.last_message_at, after.last_message_preview) == (reply.created_at, "second")

    long_body = "y" * 300
    newest, _ = send(conversation, body=long_body)
    after = fresh(conversation)
    assert after.last_message_at == newest.created_at
    assert after.last_message_preview == long_body[:140]


def test_a_repeated_client_id_does_not_touch_the_conversation():
    conversation = factories.conversation()
    first, _ = send(conversation, body="original", client_id="c-1")
    send(conversation, body="newer", client_id="c-2")

    send(conversation, body="original", client_id="c-1")

    assert fresh(conversation).last_message_preview == "newer"
    assert first.pk < conversation.messages.get(client_id="c-2").pk


# --- conversation_start --------------------------------------------------------------------------


def test_conversation_start_with_a_body_creates_the_conversation_and_its_first_message():
    contact, _ = factories.visitor()

    conversation, created = services.conversation_start(
        contact=contact, body="My order is late", client_id="first-1"
    )

    assert created is True
    assert conversation.contact_id == contact.pk
    assert conversation.status == Status.QUEUED
    assert conversation.priority == Conversation.Priority.NORMAL
    messages = list(conversation.messages.all())
    assert [(m.body, m.client_id, m.sender_type) for m in messages] == [
        ("My order is late", "first-1", "visitor")
    ]
    assert conversation.last_message_preview == "My order is late"


def test_conversation_start_without_a_body_creates_an_empty_conversation():
    contact, _ = factories.visitor()

    conversation, created = services.conversation_start(contact=contact)

    assert created is True
    assert conversation.messages.count() == 0
    assert conversation.last_message_at is not None


def test_a_retried_start_with_the_same_client_id_returns_the_same_conversation():
    contact, _ = factories.visitor()
    first, _ = services.conversation_start(contact=contact, body="Help", client_id="first-1")

    again, created = services.conversation_start(contact=contact, body="Help", client_id="first-1")

    assert created is False
    assert again.pk == first.pk
    assert Conversation.objects.filter(contact=contact).count() == 1
    assert Message.objects.filter(conversation__contact=contact).count() == 1


def test_another_contact_may_start_with_the_same_client_id():
    a, _ = factories.visitor()
    b, _ = factories.visitor()

    conv_a, _ = services.conversation_start(contact=a, body="Help", client_id="first-1")
    conv_b, created = services.conversation_start(contact=b, body="Help", client_id="first-1")

    assert created is True
    assert conv_a.pk != conv_b.pk
    assert conv_b.contact_id == b.pk


def test_an_unknown_topic_creates_nothing():
    contact, _ = factories.visitor()

    with pytest.raises(errors.InvalidInput) as caught:
        services.conversation_start(
            contact=contact, body="Help", client_id="first-1", topic_slug="no-such-topic"
        )

    assert caught.value.code == "topic_not_found"
    assert Conversation.objects.count() == 0
    assert Message.objects.count() == 0


def test_an_inactive_topic_is_not_found():
    contact, _ = factories.visitor()
    factories.topic(slug="retired", is_active=False)

    with pytest.raises(errors.InvalidInput) as caught:
        services.conversation_start(contact=contact, body="Help", topic_slug="retired")

    assert caught.value.code == "topic_not_found"
    assert Conversation.objects.count() == 0


def test_a_topic_routes_the_conversation_to_its_team():
    billing = factories.team(name="Billing")
    factories.topic(slug="payment", team=billing)
    contact, _ = factories.visitor()

    conversation, _ = services.conversation_start(
        contact=contact, body="Card declined", topic_slug="payment"
    )

    assert conversation.topic.slug == "payment"
    assert conversation.team_id == billing.pk


def test_priority_hint_urgent_raises_priority_only_where_the_topic_allows_it():
    factories.topic(slug="outage", allow_urgent=True)
    factories.topic(slug="billing")
    contact, _ = factories.visitor()

    allowed, _ = services.conversation_start(
        contact=contact, body="Site is down", priority_hint="urgent", topic_slug="outage"
    )
    refused, _ = services.conversation_start(
        contact=contact, body="Invoice", priority_hint="urgent", topic_slug="billing"
    )
    no_topic, _ = services.conversation_start(contact=contact, body="Help", priority_hint="urgent")

    assert allowed.priority == Conversation.Priority.URGENT
    assert refused.priority == Conversation.Priority.NORMAL
    assert no_topic.priority == Conversation.Priority.NORMAL


@pytest.mark.parametrize("hint", ["high", "URGENT", "low", 1, True])
def test_other_priority_hints_are_invalid_and_create_nothing(hint):
    contact, _ = factories.visitor()

    with pytest.raises(errors.InvalidInput):
        services.conversation_start(contact=contact, body="Help", priority_hint=hint)

    assert Conversation.objects.count() == 0
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "code"),
    [("x" * 4001, "body_too_long"), (7, "invalid_body"), ("a\x00b", "invalid_body")],
)
def test_a_bad_first_message_creates_no_conversation(body, code):
    contact, _ = factories.visitor()

    with pytest.raises(errors.InvalidInput) as caught:
        services.conversation_start(contact=contact, body=body, client_id="first-1")

    assert caught.value.code == code
    assert Conversation.objects.count() == 0


def test_a_bad_client_id_creates_no_conversation():
    contact, _ = factories.visitor()

    with pytest.raises(errors.InvalidInput) as caught:
        services.conversation_start(contact=contact, body="Help", client_id="c" * 65)

    assert caught.value.code == "invalid_client_id"
    assert Conversation.objects.count() == 0


# --- realtime events, published after commit -----------------------------------------------------

SENTINEL = {"type": "test.sentinel"}


def listen(*groups: str) -> str:
    """A fresh channel subscribed to the given groups."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    for group in groups:
        async_to_sync(layer.group_add)(group, channel)
    return channel


def received(channel: str) -> list[dict]:
    """Every event queued on the channel so far, without waiting for more.

    A sentinel is sent last: the in-memory layer keeps order per channel, so everything
    before it is what the code under test published.
    """
    layer = get_channel_layer()
    async_to_sync(layer.send)(channel, SENTINEL)
    events = []
    while (event := async_to_sync(layer.receive)(channel)) != SENTINEL:
        events.append(event)
    return events


def visitor_frames(channel: str) -> list[dict]:
    """The widget protocol frames queued for a visitor, in order: one event may carry several
    frames of one change (chat.realtime.visitor_frames_event)."""
    frames = []
    for event in received(channel):
        if event["type"] == "visitor.frames":
            frames += event["frames"]
        else:
            assert event["type"] == "visitor.frame"
            frames.append(event["frame"])
    # Every frame the visitor gets is JSON-safe.
    assert json.loads(json.dumps(frames)) == frames
    return frames


def test_message_send_publishes_message_new_to_the_visitor_after_commit(
    in_memory_layer, django_capture_on_commit_callbacks
):
    contact, _ = factories.visitor()
    agent = factories.agent(display_name="Ayşe")
    conversation = factories.conversation(contact=contact)
    visitor_channel = listen(realtime.visitor_group(contact.pk))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message, _ = send(
            conversation, sender_type="agent", agent=agent.user, body="Hi!", client_id="a-1"
        )
        assert received(visitor_channel) == []  # nothing leaves before the commit

    assert callbacks
    # One channel-layer event for the visitor per message, however many frames it carries.
    events = received(visitor_channel)
    assert len(events) == 1
    assert events[0]["type"] == "visitor.frames"
    frames = events[0]["frames"]
    assert json.loads(json.dumps(frames)) == frames
    (frame,) = [f for f in frames if f["type"] == "message.new"]
    assert set(frame) == {"type", "message"}
    payload = frame["message"]
    assert set(payload) == MESSAGE_KEYS
    assert payload["id"] == message.pk
    assert payload["conversation"] == conversation.pk
    assert payload["client_id"] == "a-1"
    assert payload["sender"] == {"type": "agent", "name": "Ayşe", "avatar_url": None}
    assert payload["body"] == "Hi!"
    assert payload["attachments"] == []
    assert payload["actions"] == []
    assert payload["created_at"] == message.created_at.isoformat()


def test_a_visitor_message_frame_has_a_visitor_sender(
    in_memory_layer, django_capture_on_commit_callbacks
):
    contact, _ = factories.visitor()
    conversation = factories.conversation(contact=contact)
    visitor_channel = listen(realtime.visitor_group(contact.pk))

    with django_capture_on_commit_callbacks(execute=True):
        message, _ = send(conversation, body="hello", client_id="v-1")

    (event,) = received(visitor_channel)
    frame = json.loads(json.dumps(event["frame"]))
    assert frame["type"] == "message.new"
    assert frame["message"]["sender"] == {"type": "visitor", "name": "", "avatar_url": None}
    assert frame["message"]["id"] == message.pk
    assert frame["message"]["client_id"] == "v-1"


def test_message_send_publishes_escaped_html_to_the_console_conversation_group(
    in_memory_layer, django_capture_on_commit_callbacks
):
    conversation = factories.conversation()
    console_channel = listen(realtime.console_conversation_group(conversation.pk))
    body = '<script>alert(1)</script> & "quotes"'

    with django_capture_on_commit_callbacks(execute=True):
        message, _ = send(conversation, body=body)

    # One event for the watching consoles: the message and the conversation's inbox row.
    (event,) = received(console_channel)
    assert event["type"] == "console.conversation"
    assert event["message_id"] == message.pk
    html = event["html"]["en"]  # one per language (realtime.render_each_language)
    assert f"conv-row-{conversation.pk}" in event["inbox"]["html"]["en"]
    assert f'id="message-{message.pk}"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;" in html
    assert "<script>" not in html


def test_message_send_publishes_an_inbox_row_to_the_consoles_that_may_show_it(
    in_memory_layer, django_capture_on_commit_callbacks
):
    team = factories.team()
    factories.topic(slug="payment", team=team)
    contact, _ = factories.visitor()
    conversation = factories.conversation(contact=contact, topic_slug="payment")
    team_channel = listen(realtime.console_team_group(team.pk))
    unrouted_channel = listen(realtime.CONSOLE_UNROUTED)

    with django_capture_on_commit_callbacks(execute=True):
        send(conversation, body="anyone?")

    (event,) = received(team_channel)
    assert event["type"] == "console.inbox_row"
    assert f"conv-row-{conversation.pk}" in event["html"]["en"]
    # Each socket of these groups decides with them whether it may show the row.
    assert event["groups"] == [
        realtime.CONSOLE_SUPERVISORS,
        realtime.console_team_group(team.pk),
    ]
    assert event["row"]["team_id"] == team.pk and event["row"]["status"] == conversation.status
    assert received(unrouted_channel) == []


def test_nothing_is_published_when_the_transaction_rolls_back(
    in_memory_layer, django_capture_on_commit_callbacks
):
    agent = factories.agent()
    contact, _ = factories.visitor()
    conversation = factories.conversation(contact=contact)
    channel = listen(
        realtime.visitor_group(contact.pk),
        realtime.console_conversation_group(conversation.pk),
        realtime.CONSOLE_SUPERVISORS,
        realtime.CONSOLE_UNROUTED,
    )
    count = Message.objects.count()

    class Boom(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        send(conversation, sender_type="agent", agent=agent.user, body="never sent")
        raise Boom

    assert callbacks == []
    assert received(channel) == []
    assert Message.objects.count() == count
    assert fresh(conversation).status == Status.QUEUED


def test_a_repeated_client_id_publishes_nothing_new(
    in_memory_layer, django_capture_on_commit_callbacks
):
    contact, _ = factories.visitor()
    conversation = factories.conversation(contact=contact)
    send(conversation, body="once", client_id="c-1")
    channel = listen(realtime.visitor_group(contact.pk))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _, created = send(conversation, body="once", client_id="c-1")

    assert created is False
    assert callbacks == []
    assert received(channel) == []


def test_an_agent_reply_also_publishes_the_updated_conversation_and_no_read_mark(
    in_memory_layer, django_capture_on_commit_callbacks
):
    """The reply says the agent read up to it (docs/protocol.md): no `read` frame of its own."""
    agent = factories.agent()
    contact, _ = factories.visitor()
    conversation = factories.conversation(contact=contact)
    channel = listen(realtime.visitor_group(contact.pk))

    with django_capture_on_commit_callbacks(execute=True):
        reply, _ = send(conversation, sender_type="agent", agent=agent.user, body="on it")

    frames = visitor_frames(channel)
    by_type = {frame["type"]: frame for frame in frames}
    assert [frame["type"] for frame in frames] == ["message.new", "conversation.updated"]
    assert by_type["message.new"]["message"]["id"] == reply.pk
    updated = by_type["conversation.updated"]["conversation"]
    assert updated["id"] == conversation.pk
    assert updated["status"] == "open"
    assert updated["assignee"]["name"] == agent.name
    assert updated["agent_last_read"] == reply.pk


# --- the hot path: queries per message, unread counts kept as columns ----------------------------


# Committed rows, as in production: inside a test's transaction the process caches do not
# keep rows the test itself wrote (support.process_cache).
@pytest.mark.django_db(transaction=True)
def test_a_visitor_message_and_its_publish_stay_within_a_fixed_number_of_queries(
    in_memory_layer, django_assert_max_num_queries
):
    """BEGIN, the lock (joined to the contact and rating only, and saying whether there are
    labels), one-statement insert, update, COMMIT; then the publish, with no query. Priority rules,
    webhook endpoints, the topic, team and assignee come from the process caches
    (support.process_cache), and a new message's files are known, not fetched. Through
    visitor_message_send, as the widget's socket sends it: its transaction holds message_send's
    without a savepoint (SAVEPOINT and RELEASE were two round trips more), and the socket's
    token is checked against the locked rows (its own statement was one more). Before BEGIN,
    the one conditional UPDATE of the visitor's message rate limit, shared with HTTP sends."""
    team = factories.team(name="Billing")
    factories.topic(slug="payment", team=team, name_en="Payment")
    agent = factories.agent(teams=[team], display_name="Ayşe")
    contact, token = factories.visitor()
    conversation = factories.conversation(contact=contact, topic_slug="payment")
    support_services.conversation_assign(
        conversation=conversation, to_user=agent.user, by_user=agent.user
    )
    services.visitor_message_send(
        conversation=conversation,
        body="warm the process caches (and create the rate-limit counter)",
        client_id="hot-0",
        rate_limit=True,
    )
    inbox = listen(realtime.CONSOLE_SUPERVISORS)

    # The agent has not answered yet: the after-hours check runs too, from the copy of the
    # team's hours (support.hours' per-process copy).
    with django_assert_max_num_queries(6) as captured:
        _message, created = services.visitor_message_send(
            conversation=conversation,
            body="fast",
            client_id="hot-1",
            visitor_token=token,
            rate_limit=True,
        )

    assert not [q["sql"] for q in captured.captured_queries if "SAVEPOINT" in q["sql"]]

    assert created
    (row,) = received(inbox)
    html = row["html"]["en"]
    assert f"conv-row-{conversation.pk}" in html
    assert "fast" in html
    assert "Payment" in html  # the topic, from the process cache
    assert "Ayşe" in html  # the assignee's agent profile, likewise


@pytest.mark.django_db(transaction=True)
def test_the_first_reply_stamps_its_business_time_with_no_query_of_its_own(
    in_memory_layer, django_assert_max_num_queries
):
    """The first agent reply stamps the response time in business hours: the team comes from
    the lock's per-process copy and its hours from support.hours' copy, so the reply costs
    what any reply from the console costs (BEGIN, lock with the agent's access check, insert,
    update, COMMIT), plus the audit record of the move queued → open it makes."""
    team = factories.team(name="Billing")
    for weekday in range(7):  # open around the clock: business time is wall-clock time
        factories.business_hours(team=team, weekday=weekday, opens="00:00", closes="00:00")
    factories.topic(slug="payment", team=team, name_en="Payment")
    agent = factories.agent(teams=[team], display_name="Ayşe")
    warm = factories.conversation(topic_slug="payment")
    send(warm, body="warm", sender_type="agent", agent=agent.user, client_id="warm")
    conversation = factories.conversation(topic_slug="payment")

    # The console's access check rides on the lock. SQLite has no one-statement message write
    # (support.sql.message_insert_locked): its steady-state UPDATE comes apart from the status
    # change's.
    limit = 7 if connection.vendor == "sqlite" else 6
    with django_assert_max_num_queries(limit):
        send(
            conversation,
            body="Hello!",
            sender_type="agent",
            agent=agent.user,
            client_id="a-1",
            visible_to=agent,
        )

    conversation.refresh_from_db()
    assert conversation.first_response_at is not None
    assert conversation.first_response_business_seconds == conversation.first_response_seconds


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("side", ["visitor", "agent"])
def test_a_read_mark_and_its_publish_stay_within_a_fixed_number_of_queries(
    in_memory_layer, django_assert_max_num_queries, side
):
    """Sent by the open widget and the console for each message they show: one UPDATE (which
    also finds the newest id, and where the conversation's inbox rows show); the visitor's
    "Seen" is published with no query, and so is the agent's mark, which tells the consoles
    showing the row (supervisors, its team's, its assignee's) to drop its unread mark."""
    team = factories.team(name="Billing")
    agent = factories.agent(display_name="Ayşe", teams=[team])
    contact, _ = factories.visitor()
    conversation = factories.conversation(contact=contact)
    Conversation.objects.filter(pk=conversation.pk).update(team=team, assignee=agent.user)
    for _warm_the_process_caches in range(2):
        factories.message(conversation=conversation, sender_type="agent", agent_user=agent.user)
    # A message from the other side: the one this side has not read yet.
    if side == "visitor":
        last = factories.message(
            conversation=conversation, sender_type="agent", agent_user=agent.user, body="more"
        )
    else:
        last = factories.message(conversation=conversation, body="one more")
    listening = listen(
        realtime.console_conversation_group(conversation.pk)
        if side == "visitor"
        else realtime.CONSOLE_SUPERVISORS
    )
    visitor = listen(realtime.visitor_group(contact.pk))
    team_inbox = listen(realtime.console_team_group(team.pk))
    agent_inbox = listen(realtime.console_agent_group(agent.user.pk))

    with django_assert_max_num_queries(1):
        support_services.conversation_mark_read(
            conversation=Conversation(pk=conversation.pk, contact_id=contact.pk),
            side=side,
            up_to=last.pk,
        )

    (frame,) = [event["frame"] for event in received(visitor)]
    assert frame == {
        "type": "read",
        "conversation": conversation.pk,
        "reader": side,
        "up_to": last.pk,
    }
    (html,) = [event["html"] for event in received(listening)]
    if side == "visitor":
        assert f'data-up-to="{last.pk}"' in html
        assert not received(team_inbox) and not received(agent_inbox)
    else:  # the consoles drop the row's unread mark (console.js applyReadMarks)
        assert f'class="read-mark" data-conversation="{conversation.pk}"' in html
        assert [event["html"] for event in received(team_inbox)] == [html]
        assert [event["html"] for event in received(agent_inbox)] == [html]


@pytest.mark.django_db(transaction=True)
def test_a_labelled_conversation_costs_one_query_more_for_its_labels(
    in_memory_layer, django_assert_max_num_queries
):
    conversation = factories.conversation()
    label = Label.objects.create(name="VIP", colour="#aa0000")
    conversation.labels.add(label)
    send(conversation, body="warm the process caches", client_id="l-0")
    inbox = listen(realtime.CONSOLE_SUPERVISORS)

    with django_assert_max_num_queries(6):
        send(conversation, body="labelled", client_id="l-1")

    (row,) = received(inbox)
    # In the consoles' languages (console.languages_in_use): none connected, the deployment's.
    assert "VIP" in row["html"]["en"]


@pytest.mark.django_db(transaction=True)
def test_an_agent_reply_and_its_publish_stay_within_a_fixed_number_of_queries(
    in_memory_layer, django_assert_max_num_queries
):
    agent = factories.agent(display_name="Ayşe")
    contact, _ = factories.visitor()
    conversation = factories.conversation(contact=contact)
    for _warm_the_process_caches in range(2):
        factories.message(conversation=conversation, sender_type="agent", agent_user=agent.user)
    visitor = listen(realtime.visitor_group(contact.pk))
    # As a console request has it (support.auth_backends): the user with its agent profile.
    user = get_user_model().objects.select_related("agent_profile").get(pk=agent.user_id)

    with django_assert_max_num_queries(5):  # as above
        message, _ = send(
            conversation, sender_type="agent", agent=user, body="reply", client_id="r"
        )

    frames = visitor_frames(visitor)
    assert [f["type"] for f in frames] == ["message.new"]
    assert frames[0]["message"]["sender"]["name"] == "Ayşe"
    assert frames[0]["message"]["id"] == message.pk


def test_a_retried_client_id_inserts_nothing_and_publishes_nothing(
    django_capture_on_commit_callbacks,
):
    conversation = factories.conversation()
    first, _ = send(conversation, body="once", client_id="retry-1")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        again, created = send(conversation, body="once", client_id="retry-1")
    assert not created
    assert again.pk == first.pk
    assert callbacks == []
    assert fresh(conversation).last_message_preview == "once"


def test_unread_counts_follow_messages_and_read_marks_on_both_sides():
    agent = factories.agent()
    conversation = factories.conversation()  # the visitor's first message
    assert fresh(conversation).agent_unread_count == 1
    second = factories.message(conversation=conversation, body="second")
    third = factories.message(conversation=conversation, body="third")
    assert fresh(conversation).agent_unread_count == 3

    support_services.conversation_mark_read(
        conversation=fresh(conversation), side="agent", up_to=second.pk
    )
    assert fresh(conversation).agent_unread_count == 1  # only "third" left
    reply = factories.message(conversation=conversation, sender_type="agent", agent_user=agent.user)
    state = fresh(conversation)
    assert (state.agent_unread_count, state.visitor_unread_count) == (0, 1)
    assert state.agent_last_read_id == reply.pk
    factories.message(conversation=conversation, sender_type="bot", body="bot says")
    assert fresh(conversation).visitor_unread_count == 2

    support_services.conversation_mark_read(
        conversation=fresh(conversation), side="visitor", up_to=reply.pk
    )
    assert fresh(conversation).visitor_unread_count == 1
    # A visitor message means they have read everything before it.
    factories.message(conversation=conversation, body="thanks")
    state = fresh(conversation)
    assert (state.agent_unread_count, state.visitor_unread_count) == (1, 0)
    assert third.pk < state.visitor_last_read_id
    # A mark never moves back and never goes below zero.
    assert (
        support_services.conversation_mark_read(conversation=state, side="agent", up_to=1) is None
    )
    assert fresh(conversation).agent_unread_count == 1
