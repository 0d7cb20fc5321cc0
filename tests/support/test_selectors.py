"""support/sql: conversation_lock_for_message, the message path's fixed-shape lock."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.db.models import F
from django.db.transaction import TransactionManagementError

from ratings import services as rating_services
from support import selectors
from support import services as support_services
from support.models import Contact, Conversation, Message
from tests import factories

pytestmark = pytest.mark.django_db


def orm_locked(conversation_id: int) -> Conversation:
    """What message_send ran before the fixed statement: the reference it must match (with
    the relations the publish expects joined)."""
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related(*support_services.INBOX_ROW_RELATED)
        .annotate(
            has_labels=selectors.conversation_has_labels(),
            widget_is_active=F("contact__widget__is_active"),
            widget_requires_identity=F("contact__widget__require_verified_identity"),
        )
        .get(pk=conversation_id)
    )


def assert_loaded_alike(got, expected, path="conversation", seen=None):
    """Every concrete field with the same value *and* type (a datetime left as SQLite's text,
    1 for True, JSON left as a string all fail), the same instance state, and the same related
    objects cached, compared the same way."""
    seen = seen if seen is not None else set()
    seen.add(id(expected))
    assert type(got) is type(expected), path
    for field in type(expected)._meta.concrete_fields:
        value, reference = getattr(got, field.attname), getattr(expected, field.attname)
        assert type(value) is type(reference), f"{path}.{field.attname}"
        assert repr(value) == repr(reference), f"{path}.{field.attname}"
    assert (got._state.db, got._state.adding) == (expected._state.db, expected._state.adding)
    assert got._state.fields_cache.keys() == expected._state.fields_cache.keys(), path
    for name, related in expected._state.fields_cache.items():
        if related is None or id(related) in seen:
            # None: "no such row" cached; a back reference must point at the parent itself.
            cached = got._state.fields_cache[name]
            assert (cached is None) if related is None else (cached is not None), path
            continue
        assert_loaded_alike(got._state.fields_cache[name], related, f"{path}.{name}", seen)


def conversation_with_everything(*, rated: bool, labelled: bool) -> Conversation:
    """Null and set datetimes, an identified contact with JSON attributes, an assignee,
    first response and resolution figures, optionally a rating and a label."""
    widget = factories.widget()
    contact, _token = factories.visitor(widget_obj=widget, external_id="user-7")
    Contact.objects.filter(pk=contact.pk).update(
        name="Ayşe Yılmaz",
        email="ayse@example.com",
        attributes={"plan": "pro", "seats": 3, "beta": True},
        device={"os": "iOS", "os_version": "17.1"},
        search_text="ayse yilmaz",
    )
    agent = factories.agent()
    conversation = factories.conversation(contact=contact)
    factories.message(conversation=conversation, sender_type="agent", agent_user=agent.user)
    factories.message(conversation=conversation, body="thanks")
    if rated:
        support_services.conversation_resolve(conversation=conversation, agent=agent.user)
        rating_services.rating_submit(conversation=conversation, score=4, comment="Quick")
    if labelled:
        conversation.labels.add(factories.label(name="vip"))
    return conversation


@pytest.mark.parametrize("rated", [True, False], ids=["rated", "unrated"])
@pytest.mark.parametrize("labelled", [True, False], ids=["labelled", "unlabelled"])
def test_the_lock_loads_what_the_orm_query_loaded(rated, labelled):
    conversation = conversation_with_everything(rated=rated, labelled=labelled)

    got = selectors.conversation_lock_for_message(conversation_id=conversation.pk)

    expected = orm_locked(conversation.pk)
    assert_loaded_alike(got, expected)
    assert got.has_labels is expected.has_labels is labelled
    assert got.widget_is_active is bool(expected.widget_is_active) is True
    assert got.widget_requires_identity is bool(expected.widget_requires_identity) is False
    assert got.contact.attributes == {"plan": "pro", "seats": 3, "beta": True}
    assert got.assignee_id is not None and got.first_response_at is not None
    if rated:
        assert got.rating.score == 4 and got.resolution_seconds is not None


@pytest.mark.parametrize("rated", [True, False], ids=["rated", "unrated"])
def test_contact_and_rating_are_cached_as_select_related_caches_them(
    rated, django_assert_num_queries
):
    conversation = conversation_with_everything(rated=rated, labelled=False)

    with django_assert_num_queries(1):
        got = selectors.conversation_lock_for_message(conversation_id=conversation.pk)
    with django_assert_num_queries(0):
        assert got.contact.pk == conversation.contact_id
        if rated:
            assert got.rating.current_for is got
        else:
            # The reverse one-to-one knows there is none: no query to find out.
            assert not hasattr(got, "rating")
            with pytest.raises(Conversation.rating.RelatedObjectDoesNotExist):
                got.rating  # noqa: B018


def test_a_missing_conversation_raises_does_not_exist_as_get_did():
    with pytest.raises(Conversation.DoesNotExist, match="Conversation matching query"):
        selectors.conversation_lock_for_message(conversation_id=987654)
    with pytest.raises(Conversation.DoesNotExist):
        support_services.message_send(
            conversation=Conversation(pk=987654), sender_type="visitor", body="hello?"
        )
    assert not Message.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_lock_is_refused_where_it_would_lock():
    conversation = factories.conversation()
    if connection.features.has_select_for_update:
        with pytest.raises(TransactionManagementError):
            selectors.conversation_lock_for_message(conversation_id=conversation.pk)
        with pytest.raises(TransactionManagementError):
            orm_locked(conversation.pk)
    else:  # SQLite: no row locks, so nothing to refuse (the ORM does the same)
        assert selectors.conversation_lock_for_message(conversation_id=conversation.pk)
        assert orm_locked(conversation.pk)


def backend_waits(pid: int) -> str | None:
    """The statement a PostgreSQL backend is blocked in, waiting for a lock, if it is."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT query FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'",
            [pid],
        )
        row = cursor.fetchone()
    return row[0] if row else None


@pytest.mark.django_db(transaction=True)
def test_the_lock_serialises_concurrent_sends_to_one_conversation(in_memory_layer):
    """A second send waits in the lock statement itself (not at the later UPDATE) until the
    first send's transaction ends, then sees its counters: no lost update."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are what this proves: needs PostgreSQL (DATABASE_URL)")
    conversation = factories.conversation()
    unread_before = Conversation.objects.get(pk=conversation.pk).agent_unread_count
    first_sent, release, second_done = threading.Event(), threading.Event(), threading.Event()
    second_pid = []
    failures = []

    def first():
        try:
            with transaction.atomic():
                support_services.message_send(
                    conversation=conversation, sender_type="visitor", body="first"
                )
                first_sent.set()
                release.wait(timeout=30)
        except Exception as exc:
            failures.append(exc)
        finally:
            first_sent.set()
            connections.close_all()

    def second():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                second_pid.append(cursor.fetchone()[0])
            first_sent.wait(timeout=30)
            support_services.message_send(
                conversation=conversation, sender_type="visitor", body="second"
            )
        except Exception as exc:
            failures.append(exc)
        finally:
            second_done.set()
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    try:
        first_sent.wait(timeout=30)
        waiting_in = None
        while waiting_in is None and not second_done.is_set() and not failures:
            waiting_in = backend_waits(second_pid[0]) if second_pid else None
            second_done.wait(timeout=0.02)
        assert waiting_in is not None, "the second send did not wait for the first"
        # A plain SELECT never waits for a row lock: this is the lock statement (the text
        # is cut at track_activity_query_size, before its FOR UPDATE): a person's message is
        # locked and stored in one statement (support.sql.message_insert_locked), whose lock
        # comes first.
        assert waiting_in.startswith(("WITH c AS (SELECT", "SELECT")), waiting_in
        assert not second_done.is_set()
    finally:
        release.set()
        for thread in threads:
            thread.join(timeout=60)

    assert failures == []
    fresh = Conversation.objects.get(pk=conversation.pk)
    assert fresh.agent_unread_count == unread_before + 2
    assert list(
        Message.objects.filter(conversation=conversation).order_by("id").values_list("body")
    )[-2:] == [("first",), ("second",)]
