"""support/services.py and support/identity.py: the status pipeline, reopening, widget sessions,
visitor tokens, read marks and the host app's identity signature."""

from datetime import timedelta

import pytest
from django.core import signing
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from support import errors, events, selectors, services
from support.identity import (
    VISITOR_TOKEN_SALT,
    identity_hash,
    identity_hash_is_valid,
    visitor_token_issue,
    visitor_token_read,
)
from support.models import MAX_ATTRIBUTES, MAX_FIELD_CHARS, Contact, Conversation, Message
from tests import factories

pytestmark = pytest.mark.django_db


Status = Conversation.Status
TRANSITIONS = services.STATUS_TRANSITIONS
LEGAL_MOVES = sorted(
    (source, target) for source, targets in TRANSITIONS.items() for target in targets
)
ILLEGAL_MOVES = sorted(
    (source, target)
    for source in TRANSITIONS
    for target in TRANSITIONS
    if target != source and target not in TRANSITIONS[source]
)


def conversation_in(status: str) -> Conversation:
    """A real conversation (with its first message), put straight into a starting status."""
    conversation = factories.conversation()
    resolved_at = timezone.now() if status == Status.RESOLVED else None
    Conversation.objects.filter(pk=conversation.pk).update(status=status, resolved_at=resolved_at)
    return Conversation.objects.get(pk=conversation.pk)


def fresh(conversation: Conversation) -> Conversation:
    return Conversation.objects.get(pk=conversation.pk)


def resolved_ago(age: timedelta) -> Conversation:
    """A conversation resolved `age` ago."""
    conversation = factories.resolved_conversation()
    Conversation.objects.filter(pk=conversation.pk).update(resolved_at=timezone.now() - age)
    return conversation


# --- the status pipeline ---------------------------------------------------------------------


def test_the_pipeline_names_every_status_and_only_known_ones():
    assert set(TRANSITIONS) == set(Status.values)
    for targets in TRANSITIONS.values():
        assert targets <= set(Status.values)


@pytest.mark.parametrize(("source", "target"), LEGAL_MOVES)
def test_every_legal_move_changes_the_status(source, target):
    conversation = conversation_in(source)

    returned = services.conversation_set_status(conversation=conversation, status=target)

    assert returned.status == target
    assert fresh(conversation).status == target


@pytest.mark.parametrize(("source", "target"), ILLEGAL_MOVES)
def test_every_illegal_move_is_refused_and_changes_nothing(source, target):
    conversation = conversation_in(source)

    with pytest.raises(errors.IllegalTransition) as caught:
        services.conversation_set_status(conversation=conversation, status=target)

    assert caught.value.code == "illegal_transition"
    assert caught.value.status == 409
    assert fresh(conversation).status == source


def test_the_representative_illegal_moves_are_in_the_illegal_set():
    # bot → open is legal: an agent takes a conversation from the bot (assignment opens it).
    for move in [
        (Status.BOT, Status.PENDING),
        (Status.RESOLVED, Status.PENDING),
    ]:
        assert move in ILLEGAL_MOVES


@pytest.mark.parametrize("status", Status.values)
def test_moving_to_the_current_status_is_a_no_op_not_an_error(status):
    conversation = conversation_in(status)
    before = fresh(conversation)

    returned = services.conversation_set_status(conversation=conversation, status=status)

    after = fresh(conversation)
    assert returned.status == after.status == status
    assert after.resolved_at == before.resolved_at


@pytest.mark.parametrize("status", ["closed", "", "RESOLVED", None])
def test_an_unknown_status_is_invalid_input(status):
    conversation = conversation_in(Status.QUEUED)

    with pytest.raises(errors.InvalidInput):
        services.conversation_set_status(conversation=conversation, status=status)

    assert fresh(conversation).status == Status.QUEUED


def test_resolving_sets_resolved_at():
    conversation = conversation_in(Status.OPEN)
    before = timezone.now()

    returned = services.conversation_set_status(conversation=conversation, status=Status.RESOLVED)

    assert returned.resolved_at is not None
    assert before <= fresh(conversation).resolved_at <= timezone.now()


@pytest.mark.parametrize("target", sorted(TRANSITIONS[Status.RESOLVED]))
def test_leaving_resolved_clears_resolved_at(target):
    conversation = conversation_in(Status.RESOLVED)
    assert conversation.resolved_at is not None

    services.conversation_set_status(conversation=conversation, status=target)

    assert fresh(conversation).resolved_at is None


def test_leaving_resolved_clears_resolved_at_even_through_an_object_loaded_before_resolving():
    conversation = factories.conversation()  # queued, resolved_at None in memory
    services.conversation_set_status(conversation=conversation, status=Status.RESOLVED)

    services.conversation_set_status(conversation=conversation, status=Status.OPEN)

    reloaded = fresh(conversation)
    assert reloaded.status == Status.OPEN
    assert reloaded.resolved_at is None


# --- resolve and reopen ------------------------------------------------------------------------


def test_conversation_resolve_posts_one_system_message_naming_the_agent():
    agent = factories.agent(display_name="Ayşe")
    conversation = factories.conversation()

    resolved = services.conversation_resolve(conversation=conversation, agent=agent.user)

    assert resolved.status == Status.RESOLVED
    assert fresh(conversation).resolved_at is not None
    system = list(conversation.messages.filter(sender_type=Message.SenderType.SYSTEM))
    assert len(system) == 1
    assert "Ayşe" in system[0].body
    assert system[0].sender_agent is None


def test_resolving_an_already_resolved_conversation_posts_no_second_system_message():
    agent = factories.agent()
    conversation = factories.conversation()
    services.conversation_resolve(conversation=conversation, agent=agent.user)

    services.conversation_resolve(conversation=fresh(conversation), agent=agent.user)

    assert conversation.messages.filter(sender_type=Message.SenderType.SYSTEM).count() == 1


def test_a_visitor_reopens_within_the_window_back_to_the_queue():
    conversation = factories.resolved_conversation()

    reopened = services.conversation_reopen(conversation=fresh(conversation))

    assert reopened.status == Status.QUEUED
    assert fresh(conversation).resolved_at is None


def test_a_visitor_reopening_an_assigned_conversation_goes_straight_back_to_open():
    agent = factories.agent()
    conversation = factories.conversation()
    factories.message(conversation=conversation, sender_type="agent", agent_user=agent.user)
    services.conversation_resolve(conversation=fresh(conversation), agent=agent.user)

    reopened = services.conversation_reopen(conversation=fresh(conversation))

    assert reopened.status == Status.OPEN
    assert reopened.assignee_id == agent.user_id


def test_a_visitor_cannot_reopen_after_the_window(settings):
    settings.DESTEK = {**settings.DESTEK, "REOPEN_WINDOW_SECONDS": 3600}
    conversation = resolved_ago(timedelta(hours=2))

    with pytest.raises(errors.Conflict) as caught:
        services.conversation_reopen(conversation=fresh(conversation))

    assert caught.value.code == "reopen_window_passed"
    assert caught.value.status == 409
    assert fresh(conversation).status == Status.RESOLVED


def test_the_reopen_window_comes_from_settings(settings):
    conversation = resolved_ago(timedelta(hours=2))
    settings.DESTEK = {**settings.DESTEK, "REOPEN_WINDOW_SECONDS": 3 * 3600}

    assert services.conversation_reopen(conversation=fresh(conversation)).status == Status.QUEUED


def test_the_default_window_refuses_a_conversation_resolved_long_ago():
    conversation = resolved_ago(timedelta(days=365))

    with pytest.raises(errors.Conflict) as caught:
        services.conversation_reopen(conversation=fresh(conversation))
    assert caught.value.code == "reopen_window_passed"


def test_an_agent_can_reopen_any_time():
    agent = factories.agent()
    conversation = resolved_ago(timedelta(days=365))

    reopened = services.conversation_reopen(conversation=fresh(conversation), by_agent=agent.user)

    assert reopened.status == Status.QUEUED
    assert fresh(conversation).resolved_at is None


@pytest.mark.parametrize("status", [Status.BOT, Status.QUEUED, Status.OPEN, Status.PENDING])
def test_reopening_a_conversation_that_is_not_resolved_is_a_conflict(status):
    conversation = conversation_in(status)

    with pytest.raises(errors.Conflict) as caught:
        services.conversation_reopen(conversation=conversation)

    assert caught.value.code == "not_resolved"
    assert fresh(conversation).status == status


# --- widget sessions ---------------------------------------------------------------------------


def test_an_anonymous_session_creates_a_contact_and_a_token_that_resolves_back():
    widget = factories.widget()

    contact, token = services.widget_session_open(widget_key=widget.key)

    assert contact.pk is not None
    assert contact.widget_id == widget.pk
    assert contact.identified is False
    assert contact.external_id == ""
    assert contact.last_seen_at is not None
    assert selectors.contact_get_by_visitor_token(token=token).pk == contact.pk


def test_resuming_with_the_token_returns_the_same_contact():
    widget = factories.widget()
    contact, token = services.widget_session_open(widget_key=widget.key)

    resumed, new_token = services.widget_session_open(widget_key=widget.key, visitor_token=token)

    assert resumed.pk == contact.pk
    assert Contact.objects.count() == 1
    assert selectors.contact_get_by_visitor_token(token=new_token).pk == contact.pk


def test_resuming_updates_the_profile_and_merges_attributes():
    widget = factories.widget()
    contact, token = services.widget_session_open(
        widget_key=widget.key, contact_data={"name": "Ali", "attributes": {"plan": "free", "n": 1}}
    )

    resumed, _ = services.widget_session_open(
        widget_key=widget.key,
        visitor_token=token,
        contact_data={"email": "ali@example.com", "attributes": {"plan": "gold"}},
        device={"platform": "ios", "locale": "tr-TR", "unknown_field": "dropped"},
    )

    resumed.refresh_from_db()
    assert resumed.pk == contact.pk
    assert resumed.name == "Ali"
    assert resumed.email == "ali@example.com"
    assert resumed.attributes == {"plan": "gold", "n": 1}
    assert resumed.device == {"platform": "ios", "locale": "tr-TR"}
    assert resumed.locale == "tr-TR"


def test_a_signed_identity_makes_an_identified_contact():
    widget = factories.widget()

    contact, token = services.widget_session_open(
        widget_key=widget.key, identity=factories.identity(widget_obj=widget, external_id="user-42")
    )

    contact.refresh_from_db()
    assert contact.identified is True
    assert contact.external_id == "user-42"
    assert selectors.contact_get_by_visitor_token(token=token).pk == contact.pk


def test_the_same_external_id_twice_is_the_same_contact():
    widget = factories.widget()
    identity = factories.identity(widget_obj=widget, external_id="user-42")

    first, _ = services.widget_session_open(widget_key=widget.key, identity=identity)
    second, _ = services.widget_session_open(widget_key=widget.key, identity=identity)

    assert first.pk == second.pk
    assert Contact.objects.filter(widget=widget).count() == 1


def test_the_same_external_id_on_another_widget_is_another_contact():
    widget_a, widget_b = factories.widget(), factories.widget()

    a, _ = services.widget_session_open(
        widget_key=widget_a.key, identity=factories.identity(widget_obj=widget_a, external_id="u1")
    )
    b, _ = services.widget_session_open(
        widget_key=widget_b.key, identity=factories.identity(widget_obj=widget_b, external_id="u1")
    )

    assert a.pk != b.pk


def test_an_upper_case_hash_is_accepted():
    widget = factories.widget()
    identity = factories.identity(widget_obj=widget, external_id="user-42")
    identity["hash"] = identity["hash"].upper()

    contact, _ = services.widget_session_open(widget_key=widget.key, identity=identity)

    assert contact.identified is True


def test_a_wrong_hash_is_identity_invalid_and_creates_nothing():
    widget = factories.widget()
    wrong = identity_hash(secret="not-the-widget-secret", external_id="user-42")

    with pytest.raises(errors.IdentityInvalid) as caught:
        services.widget_session_open(
            widget_key=widget.key, identity={"external_id": "user-42", "hash": wrong}
        )

    assert caught.value.code == "identity_invalid"
    assert caught.value.status == 403
    assert Contact.objects.count() == 0


def test_a_hash_for_another_user_id_is_identity_invalid():
    widget = factories.widget()
    other = factories.identity(widget_obj=widget, external_id="user-1")

    with pytest.raises(errors.IdentityInvalid):
        services.widget_session_open(
            widget_key=widget.key, identity={"external_id": "user-2", "hash": other["hash"]}
        )
    assert Contact.objects.count() == 0


@pytest.mark.parametrize(
    "session_input, error",
    [
        # An identity without its id or its hash.
        ({"identity": {"external_id": "user-42"}}, errors.IdentityInvalid),
        ({"identity": {"external_id": "user-42", "hash": None}}, errors.IdentityInvalid),
        ({"identity": {"external_id": "user-42", "hash": 12345}}, errors.IdentityInvalid),
        ({"identity": {"hash": "abc"}}, errors.IdentityInvalid),
        ({"identity": {"external_id": "", "hash": "abc"}}, errors.IdentityInvalid),
        ({"identity": {}}, errors.IdentityInvalid),
        # An identity that is not an object.
        ({"identity": "user-42"}, errors.InvalidInput),
        ({"identity": ["user-42", "hash"]}, errors.InvalidInput),
        ({"identity": 42}, errors.InvalidInput),
        # A bad device.
        pytest.param({"device": "ios"}, errors.InvalidInput, id="device-text"),
        pytest.param({"device": ["ios"]}, errors.InvalidInput, id="device-list"),
        pytest.param({"device": 42}, errors.InvalidInput, id="device-number"),
        pytest.param({"device": True}, errors.InvalidInput, id="device-bool"),
        pytest.param(
            {"device": {"user_agent": "x" * (MAX_FIELD_CHARS + 1)}},
            errors.InvalidInput,
            id="device-long-field",
        ),
        pytest.param(
            {"device": {"os": {"name": "iOS"}}}, errors.InvalidInput, id="device-object-field"
        ),
    ],
)
def test_a_refused_session_creates_no_contact(session_input, error):
    widget = factories.widget()

    with pytest.raises(error):
        services.widget_session_open(widget_key=widget.key, **session_input)
    assert Contact.objects.count() == 0


def test_a_wrong_hash_with_an_anonymous_token_does_not_merge_or_drop_the_anonymous_chat():
    widget = factories.widget()
    anonymous, token = services.widget_session_open(widget_key=widget.key)
    conversation = factories.conversation(contact=anonymous)

    with pytest.raises(errors.IdentityInvalid):
        services.widget_session_open(
            widget_key=widget.key,
            visitor_token=token,
            identity={"external_id": "user-42", "hash": "0" * 64},
        )

    assert Contact.objects.filter(pk=anonymous.pk).exists()
    assert fresh(conversation).contact_id == anonymous.pk
    assert not Contact.objects.filter(external_id="user-42").exists()


def test_an_anonymous_visitor_who_identifies_is_merged_into_the_identified_contact():
    widget = factories.widget()
    anonymous, token = services.widget_session_open(
        widget_key=widget.key, contact_data={"name": "Guest", "attributes": {"cart": "3"}}
    )
    conversation = factories.conversation(contact=anonymous)

    contact, new_token = services.widget_session_open(
        widget_key=widget.key,
        visitor_token=token,
        identity=factories.identity(widget_obj=widget, external_id="user-42"),
    )

    contact.refresh_from_db()
    assert contact.pk != anonymous.pk
    assert contact.identified is True
    assert fresh(conversation).contact_id == contact.pk
    assert not Contact.objects.filter(pk=anonymous.pk).exists()
    assert contact.name == "Guest"
    assert contact.attributes == {"cart": "3"}
    # The anonymous token died with its contact; the new one works.
    with pytest.raises(errors.NotAuthenticated):
        selectors.contact_get_by_visitor_token(token=token)
    assert selectors.contact_get_by_visitor_token(token=new_token).pk == contact.pk


def test_merging_into_an_existing_identified_contact_keeps_both_histories():
    widget = factories.widget()
    identity = factories.identity(widget_obj=widget, external_id="user-42")
    known, _ = services.widget_session_open(
        widget_key=widget.key, identity=identity, contact_data={"name": "Known"}
    )
    old = factories.conversation(contact=known)
    anonymous, token = services.widget_session_open(
        widget_key=widget.key, contact_data={"name": "Guest"}
    )
    new = factories.conversation(contact=anonymous)

    contact, _ = services.widget_session_open(
        widget_key=widget.key, visitor_token=token, identity=identity
    )

    assert contact.pk == known.pk
    assert set(contact.conversations.values_list("pk", flat=True)) == {old.pk, new.pk}
    contact.refresh_from_db()
    assert contact.name == "Known"  # the identified contact's own name wins
    assert not Contact.objects.filter(pk=anonymous.pk).exists()


def test_an_identified_visitor_token_is_never_merged_into_another_user():
    widget = factories.widget()
    alice, alice_token = services.widget_session_open(
        widget_key=widget.key, identity=factories.identity(widget_obj=widget, external_id="alice")
    )
    alice_chat = factories.conversation(contact=alice)

    bob, _ = services.widget_session_open(
        widget_key=widget.key,
        visitor_token=alice_token,
        identity=factories.identity(widget_obj=widget, external_id="bob"),
    )

    assert bob.pk != alice.pk
    assert fresh(alice_chat).contact_id == alice.pk
    assert Contact.objects.filter(pk=alice.pk).exists()


def test_the_attribute_limit_is_inclusive():
    widget = factories.widget()
    attributes = {f"k{i}": i for i in range(MAX_ATTRIBUTES)}

    contact, _ = services.widget_session_open(
        widget_key=widget.key, contact_data={"attributes": attributes}
    )

    assert len(contact.attributes) == MAX_ATTRIBUTES


@pytest.mark.parametrize(
    "contact_data",
    [
        {"name": "n" * 192},
        {"email": "e" * 255},
        {"phone": "1" * 65},
        {"attributes": {"note": "x" * (MAX_FIELD_CHARS + 1)}},
        {"attributes": {"k" * 65: "value"}},
        {"attributes": {"nested": {"a": 1}}},
        {"attributes": {"list": [1, 2]}},
        {"attributes": "plan=gold"},
        {"name": ["Ali"]},
        {"attributes": {f"k{i}": i for i in range(MAX_ATTRIBUTES + 1)}},
        "Ali",
    ],
    ids=[
        "long-name",
        "long-email",
        "long-phone",
        "long-attribute-value",
        "long-attribute-name",
        "nested-attribute",
        "list-attribute",
        "attributes-not-object",
        "name-not-string",
        "too-many-attributes",
        "not-an-object",
    ],
)
def test_bad_contact_data_is_invalid_input_and_creates_nothing(contact_data):
    widget = factories.widget()

    with pytest.raises(errors.InvalidInput):
        services.widget_session_open(widget_key=widget.key, contact_data=contact_data)
    assert Contact.objects.count() == 0


def test_scalar_attribute_values_are_kept_with_their_types():
    widget = factories.widget()

    contact, _ = services.widget_session_open(
        widget_key=widget.key,
        contact_data={"attributes": {"n": 3, "ratio": 0.5, "vip": True, "none": None, "s": " x "}},
    )

    contact.refresh_from_db()
    assert contact.attributes == {"n": 3, "ratio": 0.5, "vip": True, "none": None, "s": "x"}


def test_an_unknown_widget_key_is_not_found():
    with pytest.raises(errors.NotFound) as caught:
        services.widget_session_open(widget_key="no-such-widget")
    assert caught.value.status == 404
    assert Contact.objects.count() == 0


def test_an_inactive_widget_is_not_found():
    widget = factories.widget()
    widget.is_active = False
    widget.save()

    with pytest.raises(errors.NotFound):
        services.widget_session_open(widget_key=widget.key)
    assert Contact.objects.count() == 0


@pytest.mark.parametrize("key", [None, "", 42, ["w1"]])
def test_a_missing_widget_key_is_invalid_input(key):
    with pytest.raises(errors.InvalidInput) as caught:
        services.widget_session_open(widget_key=key)
    assert caught.value.code == "widget_key_required"


def test_a_token_from_another_widget_is_not_resumed():
    widget_a, widget_b = factories.widget(), factories.widget()
    contact_a, token_a = services.widget_session_open(widget_key=widget_a.key)

    contact_b, _ = services.widget_session_open(widget_key=widget_b.key, visitor_token=token_a)

    assert contact_b.pk != contact_a.pk
    assert contact_b.widget_id == widget_b.pk
    assert contact_a.widget_id == widget_a.pk


def test_a_token_stops_working_when_its_widget_is_deactivated():
    widget = factories.widget()
    _, token = services.widget_session_open(widget_key=widget.key)
    widget.is_active = False
    widget.save()

    with pytest.raises(errors.NotAuthenticated):
        selectors.contact_get_by_visitor_token(token=token)


def test_visitor_session_revoke_makes_every_old_token_fail():
    widget = factories.widget()
    contact, first = services.widget_session_open(widget_key=widget.key)
    _, second = services.widget_session_open(widget_key=widget.key, visitor_token=first)

    services.visitor_session_revoke(contact=contact)

    for token in (first, second):
        with pytest.raises(errors.NotAuthenticated) as caught:
            selectors.contact_get_by_visitor_token(token=token)
        assert caught.value.status == 401


def test_a_revoked_token_starts_a_fresh_anonymous_session():
    widget = factories.widget()
    contact, token = services.widget_session_open(widget_key=widget.key)
    services.visitor_session_revoke(contact=contact)

    fresh_contact, _ = services.widget_session_open(widget_key=widget.key, visitor_token=token)

    assert fresh_contact.pk != contact.pk


def test_a_tampered_token_is_not_authenticated():
    widget = factories.widget()
    _, token = services.widget_session_open(widget_key=widget.key)
    payload, timestamp, signature = token.split(":")
    flip = {"A": "B"}.get(payload[0], "A")
    tampered_payload = f"{flip}{payload[1:]}:{timestamp}:{signature}"
    flip = {"A": "B"}.get(signature[0], "A")
    tampered_signature = f"{payload}:{timestamp}:{flip}{signature[1:]}"

    for tampered in (tampered_payload, tampered_signature):
        assert tampered != token
        with pytest.raises(errors.NotAuthenticated):
            selectors.contact_get_by_visitor_token(token=tampered)


def test_a_token_signed_with_another_salt_or_shape_is_rejected():
    widget = factories.widget()
    contact, _ = services.widget_session_open(widget_key=widget.key)
    payload = {"c": contact.pk, "w": widget.pk, "v": contact.token_version}

    other_salt = signing.dumps(payload, salt="something-else")
    wrong_shape = signing.dumps({**payload, "c": str(contact.pk)}, salt=VISITOR_TOKEN_SALT)
    not_a_dict = signing.dumps([contact.pk, widget.pk, 1], salt=VISITOR_TOKEN_SALT)

    for token in (other_salt, wrong_shape, not_a_dict):
        assert visitor_token_read(token) is None
        with pytest.raises(errors.NotAuthenticated):
            selectors.contact_get_by_visitor_token(token=token)


@pytest.mark.parametrize("token", ["", None, 42, "x" * 600, "not.a.token"])
def test_garbage_tokens_are_not_authenticated(token):
    assert visitor_token_read(token) is None
    with pytest.raises(errors.NotAuthenticated):
        selectors.contact_get_by_visitor_token(token=token)


def test_a_token_for_another_widget_id_does_not_authenticate_the_contact():
    widget_a, widget_b = factories.widget(), factories.widget()
    contact, _ = services.widget_session_open(widget_key=widget_a.key)
    token = visitor_token_issue(contact_id=contact.pk, widget_id=widget_b.pk, token_version=1)

    with pytest.raises(errors.NotAuthenticated):
        selectors.contact_get_by_visitor_token(token=token)


def test_an_expired_token_is_not_authenticated(settings):
    widget = factories.widget()
    contact, token = services.widget_session_open(widget_key=widget.key)
    settings.DESTEK = {**settings.DESTEK, "VISITOR_TOKEN_MAX_AGE_SECONDS": -1}

    assert visitor_token_read(token) is None
    with pytest.raises(errors.NotAuthenticated):
        selectors.contact_get_by_visitor_token(token=token)
    # Resuming with it quietly starts a new anonymous session.
    fresh_contact, _ = services.widget_session_open(widget_key=widget.key, visitor_token=token)
    assert fresh_contact.pk != contact.pk


def test_a_token_read_before_still_expires_and_still_needs_its_key(settings):
    """The signature's check is kept per token (a socket sends one with every message): its
    age is still checked at every read, and another secret key does not accept it."""
    widget = factories.widget()
    contact, token = services.widget_session_open(widget_key=widget.key)
    assert visitor_token_read(token)["c"] == contact.pk

    settings.SECRET_KEY = "another-" + settings.SECRET_KEY
    assert visitor_token_read(token) is None
    settings.SECRET_KEY = settings.SECRET_KEY.removeprefix("another-")
    assert visitor_token_read(token)["c"] == contact.pk
    settings.DESTEK = {**settings.DESTEK, "VISITOR_TOKEN_MAX_AGE_SECONDS": -1}
    assert visitor_token_read(token) is None


# --- read marks --------------------------------------------------------------------------------


def conversation_with_visitor_messages(count: int) -> tuple[Conversation, list[Message]]:
    conversation = factories.conversation(body="first")
    for i in range(count - 1):
        factories.message(conversation=conversation, body=f"more {i}")
    messages = list(conversation.messages.order_by("id"))
    return fresh(conversation), messages


def test_mark_read_moves_the_mark_forward():
    conversation, messages = conversation_with_visitor_messages(3)
    assert conversation.agent_last_read_id == 0

    first = services.conversation_mark_read(
        conversation=conversation, side="agent", up_to=messages[0].pk
    )
    second = services.conversation_mark_read(
        conversation=conversation, side="agent", up_to=messages[2].pk
    )

    assert first == messages[0].pk
    assert second == messages[2].pk
    assert conversation.agent_last_read_id == messages[2].pk
    assert fresh(conversation).agent_last_read_id == messages[2].pk


def test_marks_read_together_move_each_mark_from_ids_alone():
    conversation, messages = conversation_with_visitor_messages(2)
    built, heard = [], []

    def count(sender, instance, **kwargs):
        built.append(instance)

    post_init.connect(count, sender=Conversation)
    events.event_listen("read_mark.moved", heard.append, in_transaction=True)
    try:
        stored = services.conversation_marks_read(
            marks=[
                {
                    "conversation_id": conversation.pk,
                    "contact_id": conversation.contact_id,
                    "side": "agent",
                    "up_to": messages[1].pk,
                },
                {
                    "conversation_id": conversation.pk,
                    "contact_id": conversation.contact_id,
                    "side": "visitor",
                    "up_to": "not an id",
                },
            ]
        )
    finally:
        post_init.disconnect(count, sender=Conversation)
        events.event_unlisten("read_mark.moved", heard.append)

    assert stored == {
        (conversation.pk, "agent"): messages[1].pk,
        (conversation.pk, "visitor"): None,
    }
    assert built == []  # no Conversation built per mark
    assert fresh(conversation).agent_last_read_id == messages[1].pk
    (moved,) = heard
    assert moved.data["contact_id"] == conversation.contact_id
    assert moved.data["up_to"] == messages[1].pk


def test_marks_read_together_are_one_statement_and_an_event_each_in_their_order():
    """A socket server's batch: one statement for marks of different conversations, a second
    only for a conversation's other side (a statement writes a row once)."""
    first, first_messages = conversation_with_visitor_messages(3)
    second, second_messages = conversation_with_visitor_messages(2)
    reply = factories.message(
        conversation=first, sender_type="agent", agent_user=factories.agent().user
    )
    # Nothing read yet: three visitor messages unread by the agent, the reply by the visitor.
    Conversation.objects.filter(pk=first.pk).update(
        agent_last_read_id=0, visitor_last_read_id=0, agent_unread_count=3, visitor_unread_count=1
    )
    marks = [
        (second, "agent", second_messages[1].pk),
        (first, "agent", first_messages[1].pk),
        (first, "visitor", reply.pk),
        (second, "visitor", second_messages[1].pk),  # no agent message: does not move
    ]
    heard = []
    events.event_listen("read_mark.moved", heard.append, in_transaction=True)
    try:
        with CaptureQueriesContext(connection) as queries:
            stored = services.conversation_marks_read(
                marks=[
                    {
                        "conversation_id": c.pk,
                        "contact_id": c.contact_id,
                        "side": side,
                        "up_to": up_to,
                    }
                    for c, side, up_to in marks
                ]
            )
    finally:
        events.event_unlisten("read_mark.moved", heard.append)

    assert len(queries.captured_queries) == 2
    assert stored == {
        (second.pk, "agent"): second_messages[1].pk,
        (first.pk, "agent"): first_messages[1].pk,
        (first.pk, "visitor"): reply.pk,
        (second.pk, "visitor"): None,
    }
    assert [(e.data["conversation_id"], e.data["reader"], e.data["up_to"]) for e in heard] == [
        (second.pk, "agent", second_messages[1].pk),
        (first.pk, "agent", first_messages[1].pk),
        (first.pk, "visitor", reply.pk),
    ]
    after = fresh(first)
    assert (after.agent_last_read_id, after.visitor_last_read_id) == (
        first_messages[1].pk,
        reply.pk,
    )
    # The agent passed two visitor messages, the visitor the agent's reply.
    assert (after.agent_unread_count, after.visitor_unread_count) == (1, 0)
    assert fresh(second).agent_last_read_id == second_messages[1].pk


def test_mark_read_never_moves_backwards_and_returns_none_when_unchanged():
    conversation, messages = conversation_with_visitor_messages(3)
    services.conversation_mark_read(conversation=conversation, side="agent", up_to=messages[2].pk)

    assert (
        services.conversation_mark_read(
            conversation=conversation, side="agent", up_to=messages[0].pk
        )
        is None
    )
    assert (
        services.conversation_mark_read(
            conversation=conversation, side="agent", up_to=messages[2].pk
        )
        is None
    )
    assert services.conversation_mark_read(conversation=conversation, side="agent", up_to=0) is None
    assert fresh(conversation).agent_last_read_id == messages[2].pk


def test_mark_read_never_goes_past_the_newest_message():
    conversation, messages = conversation_with_visitor_messages(2)

    mark = services.conversation_mark_read(
        conversation=conversation, side="agent", up_to=messages[-1].pk + 1000
    )

    assert mark == messages[-1].pk
    assert fresh(conversation).agent_last_read_id == messages[-1].pk


def test_mark_read_with_an_enormous_id_stops_at_the_newest_message():
    conversation, messages = conversation_with_visitor_messages(2)

    mark = services.conversation_mark_read(conversation=conversation, side="agent", up_to=10**30)

    assert mark == messages[-1].pk
    assert fresh(conversation).agent_unread_count == 0


def test_mark_read_in_a_conversation_without_messages_moves_nothing():
    conversation = factories.conversation(body=None)
    assert not conversation.messages.exists()

    assert services.conversation_mark_read(conversation=conversation, side="agent", up_to=5) is None
    assert fresh(conversation).agent_last_read_id == 0


def test_mark_read_part_way_leaves_the_later_messages_unread():
    conversation, messages = conversation_with_visitor_messages(3)
    assert fresh(conversation).agent_unread_count == 3

    services.conversation_mark_read(conversation=conversation, side="agent", up_to=messages[0].pk)

    assert fresh(conversation).agent_unread_count == 2


def test_mark_read_of_the_visitor_side_counts_agent_messages_as_read():
    agent = factories.agent()
    conversation = factories.conversation()
    reply = factories.message(conversation=conversation, sender_type="agent", agent_user=agent.user)
    conversation = fresh(conversation)
    assert conversation.visitor_last_read_id < reply.pk

    mark = services.conversation_mark_read(
        conversation=conversation, side="visitor", up_to=reply.pk
    )

    assert mark == reply.pk
    reloaded = fresh(conversation)
    assert reloaded.visitor_last_read_id == reply.pk
    assert reloaded.agent_last_read_id == reply.pk  # the other side is untouched by this call


@pytest.mark.parametrize("up_to", [-1, True, False, "5", 1.5, None, [1]])
def test_mark_read_rejects_an_up_to_that_is_not_a_message_id(up_to):
    conversation, _ = conversation_with_visitor_messages(1)

    with pytest.raises(errors.InvalidInput):
        services.conversation_mark_read(conversation=conversation, side="agent", up_to=up_to)
    assert fresh(conversation).agent_last_read_id == 0


@pytest.mark.parametrize("side", ["bot", "system", "", None, "Agent"])
def test_mark_read_rejects_a_bad_side(side):
    conversation, messages = conversation_with_visitor_messages(1)

    with pytest.raises(errors.InvalidInput):
        services.conversation_mark_read(conversation=conversation, side=side, up_to=messages[0].pk)


# --- the host app's identity signature ---------------------------------------------------------


def test_identity_hash_is_hex_hmac_sha256_of_the_external_id():
    # RFC 4231-style known vector, so host apps in any language can check their own code.
    assert (
        identity_hash(secret="key", external_id="The quick brown fox jumps over the lazy dog")
        == "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    )


def test_identity_hash_is_valid_accepts_the_right_hash():
    good = identity_hash(secret="s3cret", external_id="user-42")
    assert identity_hash_is_valid(secret="s3cret", external_id="user-42", claimed_hash=good)


def test_identity_hash_is_valid_accepts_different_case_hex_and_surrounding_space():
    good = identity_hash(secret="s3cret", external_id="user-42")
    assert identity_hash_is_valid(secret="s3cret", external_id="user-42", claimed_hash=good.upper())
    assert identity_hash_is_valid(
        secret="s3cret", external_id="user-42", claimed_hash=f"  {good}\n"
    )


@pytest.mark.parametrize(
    "claimed",
    [
        identity_hash(secret="other", external_id="user-42"),
        identity_hash(secret="s3cret", external_id="user-43"),
        identity_hash(secret="s3cret", external_id="user-42")[:-1],
        "",
        None,
    ],
    ids=["wrong-secret", "wrong-user", "truncated", "empty", "none"],
)
def test_identity_hash_is_valid_rejects_wrong_and_empty_hashes(claimed):
    assert not identity_hash_is_valid(secret="s3cret", external_id="user-42", claimed_hash=claimed)
