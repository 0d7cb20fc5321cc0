"""support/sql: each fixed statement of the message path loads or writes what its ORM form
does (the lock: test_selectors.py and test_agent_access.py; fields_save: test_orm.py)."""

from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q
from django.db.models.signals import post_init
from django.utils import timezone

from support import errors, sql
from support import selectors as support_selectors
from support.models import Contact, Conversation, Message, RateLimitBucket, Widget
from support.services.conversations import PERSON_FIELDS, READ_SIDES, message_person_fields
from support.services.read_marks import UNREAD_FOR
from support.text import search_words
from tests import factories
from tests.support.test_selectors import assert_loaded_alike

pytestmark = pytest.mark.django_db


def orm_token_state(*, contact_id, widget_id):
    return (
        Contact.objects.filter(pk=contact_id, widget_id=widget_id, widget__is_active=True)
        .values_list("token_version", "identified", "widget__require_verified_identity")
        .first()
    )


def test_the_token_state_is_what_the_orm_reads_in_every_case():
    anonymous, _ = factories.visitor()
    identified, _ = factories.visitor(external_id="u-1")
    Widget.objects.filter(pk=identified.widget_id).update(require_verified_identity=True)
    inactive, _ = factories.visitor()
    Widget.objects.filter(pk=inactive.widget_id).update(is_active=False)
    Contact.objects.filter(pk=anonymous.pk).update(token_version=3)
    cases = [
        (anonymous.pk, anonymous.widget_id),
        (identified.pk, identified.widget_id),
        (inactive.pk, inactive.widget_id),  # widget switched off: no row
        (anonymous.pk, identified.widget_id),  # another widget's contact: no row
        (anonymous.pk + 1000, anonymous.widget_id),  # no such contact
    ]
    for contact_id, widget_id in cases:
        assert sql.contact_token_state(
            contact_id=contact_id, widget_id=widget_id
        ) == orm_token_state(contact_id=contact_id, widget_id=widget_id)


def new_message(conversation, *, client_id, body="Hello there"):
    return Message(
        conversation=conversation,
        sender_type="visitor",
        body=body,
        search_text=search_words(body),
        client_id=client_id,
        actions=[{"id": "a", "label": "A"}],
        created_at=timezone.now(),
    )


def stored(message) -> dict:
    row = Message.objects.filter(pk=message.pk).values().get()
    for column in ("id", "client_id", "created_at"):  # created_at: auto_now_add, each its own
        row.pop(column)
    return row


def test_the_insert_writes_the_row_save_writes():
    conversation = factories.conversation()
    by_orm = new_message(conversation, client_id=None)
    by_orm.save(force_insert=True)
    by_sql = new_message(conversation, client_id="c-1")

    assert sql.message_insert_unless_known(message=by_sql) is True

    assert by_sql.pk > by_orm.pk
    assert (by_sql._state.adding, by_sql._state.db) == (by_orm._state.adding, by_orm._state.db)
    assert stored(by_sql) == stored(by_orm)
    assert Message.objects.get(pk=by_sql.pk).client_id == "c-1"


def test_a_known_client_id_writes_nothing():
    conversation = factories.conversation()
    first = new_message(conversation, client_id="same")
    assert sql.message_insert_unless_known(message=first) is True
    count = Message.objects.count()

    again = new_message(conversation, client_id="same", body="other")
    assert sql.message_insert_unless_known(message=again) is False
    assert again.pk is None
    assert Message.objects.count() == count
    # The same client id in another conversation is a new message.
    elsewhere = new_message(factories.conversation(), client_id="same")
    assert sql.message_insert_unless_known(message=elsewhere) is True


def orm_read_mark_move(*, conversation_id, side, up_to, senders):
    """The ORM form: a look-up, then an UPDATE of the mark and the unread count."""
    conversation = Conversation.objects.get(pk=conversation_id)
    mark = getattr(conversation, f"{side}_last_read_id")
    newest = Message.objects.filter(conversation_id=conversation_id).aggregate(n=Max("id"))["n"]
    target = min(up_to, newest or 0)
    if not mark < target:
        return None
    passed = Message.objects.filter(
        Q(id__gt=mark, id__lte=target),
        conversation_id=conversation_id,
        sender_type__in=senders,
    ).aggregate(n=Count("id"))["n"]
    count = max(getattr(conversation, f"{side}_unread_count") - passed, 0)
    Conversation.objects.filter(pk=conversation_id).update(
        **{f"{side}_last_read_id": target, f"{side}_unread_count": count}
    )
    return target, conversation.team_id, conversation.assignee_id


def columns(conversation_id, side):
    return (
        Conversation.objects.filter(pk=conversation_id)
        .values_list(f"{side}_last_read_id", f"{side}_unread_count")
        .get()
    )


def conversation_to_read(agent):
    conversation = factories.conversation()
    for sender in ("visitor", "agent", "bot", "visitor", "agent"):
        factories.message(
            conversation=conversation,
            sender_type=sender,
            agent_user=agent.user if sender == "agent" else None,
        )
    # Nothing read yet, by either side.
    Conversation.objects.filter(pk=conversation.pk).update(
        agent_unread_count=4, visitor_unread_count=4, agent_last_read_id=0, visitor_last_read_id=0
    )
    return conversation.pk


def test_read_marks_move_together_as_the_orm_form_moves_each():
    """Marks of several conversations and both sides in one statement: each mark as its ORM
    form moves it, on twins of the same conversations."""
    agent = factories.agent()
    sides = ("agent", "visitor", "agent")
    by_sql = [conversation_to_read(agent) for _side in sides]
    by_orm = [conversation_to_read(agent) for _side in sides]
    ids = {
        pk: list(
            Message.objects.filter(conversation_id=pk).order_by("id").values_list("id", flat=True)
        )
        for pk in by_sql + by_orm
    }

    def up_to(pk, step):
        return ids[pk][step] if step < len(ids[pk]) else step

    # Forward to a middle message (one mark already there), then not backwards, then past
    # the newest.
    for steps in ((2, 3, 0), (1, 3, 4), (10**12, 10**12, 10**12)):
        with transaction.atomic():
            got = sql.read_marks_move(
                marks=[
                    (pk, side, up_to(pk, step))
                    for pk, side, step in zip(by_sql, sides, steps, strict=True)
                ],
                senders=UNREAD_FOR,
            )
            expected = [
                orm_read_mark_move(
                    conversation_id=pk, side=side, up_to=up_to(pk, step), senders=UNREAD_FOR[side]
                )
                for pk, side, step in zip(by_orm, sides, steps, strict=True)
            ]
        for sql_pk, orm_pk, side, moved in zip(by_sql, by_orm, sides, expected, strict=True):
            if moved is None:
                assert sql_pk not in got
            else:
                mark, *related = got[sql_pk]
                assert (ids[sql_pk].index(mark), *related) == (
                    ids[orm_pk].index(moved[0]),
                    *moved[1:],
                )
            mark_sql, count_sql = columns(sql_pk, side)
            mark_orm, count_orm = columns(orm_pk, side)
            assert count_sql == count_orm
            assert ids[sql_pk].index(mark_sql) == ids[orm_pk].index(mark_orm)
        # The first and last steps move every mark; the second only the one left behind.
        assert len(got) == (1 if steps[0] == 1 else 3)


def orm_message_insert_locked(*, message, visible_to, fields, side, other):
    """The ORM form of message_insert_locked: the lock, the insert unless the client id is
    known, the update."""
    conversation = support_selectors.conversation_lock_for_message(
        conversation_id=message.conversation_id, visible_to=visible_to
    )
    if Message.objects.filter(
        conversation_id=message.conversation_id, client_id=message.client_id
    ).exists():
        return conversation
    message.save(force_insert=True)
    Conversation.objects.filter(pk=message.conversation_id).update(
        **fields(message),
        **{
            f"{side}_last_read_id": message.pk,
            f"{side}_unread_count": 0,
            f"{other}_unread_count": F(f"{other}_unread_count") + 1,
        },
    )
    return conversation


def conversation_row(pk) -> dict:
    """The columns two conversations made alike share (not ids, not their own times)."""
    row = Conversation.objects.filter(pk=pk).values().get()
    for column in ("id", "contact_id", "agent_last_read_id", "visitor_last_read_id"):
        row.pop(column)
    return {
        name: value
        for name, value in row.items()
        if not isinstance(value, datetime) or name == "last_message_at"
    }


def person_message(conversation, *, sender, agent=None, client_id="c-1", body="Merhaba"):
    message = new_message(conversation, client_id=client_id, body=body)
    message.conversation_id = conversation.pk
    message.sender_type = sender
    message.sender_agent = agent.user if agent else None
    message.actions = []
    return message


@pytest.mark.parametrize("sender", ["visitor", "agent"])
def test_the_message_write_is_the_lock_insert_and_update_of_the_orm(sender):
    """One statement on PostgreSQL, three elsewhere: the same rows as the ORM form's, the
    conversation returned as the lock loads it (before the update), nothing written for a
    known client id."""
    agent = factories.agent()
    conversations = []
    for _ in range(2):
        conversation = factories.conversation()
        factories.message(conversation=conversation, sender_type="agent", agent_user=agent.user)
        Conversation.objects.filter(pk=conversation.pk).update(
            agent_unread_count=2, visitor_unread_count=3, assignee=agent.user
        )
        conversations.append(conversation)
    side, other = READ_SIDES[sender]
    visible_to = agent if sender == "agent" else None
    at = timezone.now().replace(microsecond=0)  # one time for both conversations' rows

    def fields(message):
        return {**message_person_fields(message=message), "last_message_at": at}

    for attempt in ("new", "retried"):
        results = {}
        with transaction.atomic():
            for conversation, write in zip(
                conversations, (sql.message_insert_locked, orm_message_insert_locked), strict=True
            ):
                message = person_message(conversation, sender=sender, agent=visible_to)
                before = support_selectors.conversation_lock_for_message(
                    conversation_id=conversation.pk, visible_to=visible_to
                )
                got = write(
                    message=message, visible_to=visible_to, fields=fields, side=side, other=other
                )
                results[write] = (got, before, message)
        (by_sql, sql_before, sql_message), (by_orm, _, orm_message) = results.values()
        assert_loaded_alike(by_sql, sql_before)
        assert by_sql.agent_unread_count == by_orm.agent_unread_count
        assert conversation_row(by_sql.pk) == conversation_row(by_orm.pk)
        if attempt == "new":
            assert sql_message.pk is not None
            assert {**stored(sql_message), "conversation_id": None} == {
                **stored(orm_message),
                "conversation_id": None,
            }
            mark = f"{side}_last_read_id"
            assert getattr(Conversation.objects.get(pk=by_sql.pk), mark) == sql_message.pk
            assert getattr(Conversation.objects.get(pk=by_orm.pk), mark) == orm_message.pk
        else:
            assert sql_message.pk is None
            assert Message.objects.filter(conversation_id=by_sql.pk, client_id="c-1").count() == 1


def insert_locked(message, *, sender, visible_to):
    side, other = READ_SIDES[sender]
    return sql.message_insert_locked(
        message=message,
        visible_to=visible_to,
        fields=lambda stored: message_person_fields(message=stored),
        side=side,
        other=other,
    )


def test_the_message_write_locks_nothing_an_agent_may_not_see():
    outsider = factories.agent()
    team = factories.team()
    conversation = factories.conversation()
    Conversation.objects.filter(pk=conversation.pk).update(team=team)
    count = Message.objects.count()
    row = conversation_row(conversation.pk)
    message = person_message(conversation, sender="agent", agent=outsider)
    with pytest.raises(errors.NotFound), transaction.atomic():
        insert_locked(message, sender="agent", visible_to=outsider)
    assert message.pk is None
    assert Message.objects.count() == count
    assert conversation_row(conversation.pk) == row
    missing = person_message(conversation, sender="visitor")
    missing.conversation_id = conversation.pk + 1000
    with pytest.raises(Conversation.DoesNotExist), transaction.atomic():
        insert_locked(missing, sender="visitor", visible_to=None)
    assert Message.objects.count() == count


def orm_bucket_hit(*, key, now, window_start, limit=2) -> None:
    """The ORM form rate_limit_bucket_hit replaced (support.ratelimits before it): a
    conditional UPDATE within the limit, else the locked row (also past the limit)."""
    counted = RateLimitBucket.objects.filter(
        key=key, window_started_at__gt=window_start, hits__lt=limit
    ).update(hits=F("hits") + 1)
    if counted:
        return
    with transaction.atomic():
        bucket, created = RateLimitBucket.objects.select_for_update().get_or_create(
            key=key, defaults={"window_started_at": now, "hits": 1}
        )
        if not created:
            if bucket.window_started_at <= window_start:
                bucket.window_started_at = now
                bucket.hits = 0
            bucket.hits += 1
            bucket.save(update_fields=["window_started_at", "hits"])


def test_a_rate_limit_hit_counts_as_the_orm_form_counts_it():
    """A new counter, hits within the window and past a limit, a window ending exactly at
    `window_start`, a window long over: after every hit both forms hold the same row, and the
    statement returns it."""
    start, window = timezone.now(), timedelta(seconds=60)
    second = timedelta(seconds=1)
    times = [start, start, start + 30 * second, start + 59 * second, start + window]
    times += [start + window + second, start + window + second, start + 5 * window]
    for now in times:
        returned = sql.rate_limit_bucket_hit(key="sql", now=now, window_start=now - window)
        orm_bucket_hit(key="orm", now=now, window_start=now - window)
        by_sql, by_orm = (
            RateLimitBucket.objects.get(key="sql"),
            RateLimitBucket.objects.get(key="orm"),
        )
        assert (by_sql.window_started_at, by_sql.hits) == (by_orm.window_started_at, by_orm.hits)
        assert (returned.pk, returned.window_started_at, returned.hits) == (
            by_sql.pk,
            by_sql.window_started_at,
            by_sql.hits,
        )
    assert [by_sql.window_started_at, by_sql.hits] == [start + 5 * window, 1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's limit")
@pytest.mark.parametrize("by_agent", [False, True])
@pytest.mark.parametrize("sender", ["visitor", "agent"])
def test_the_message_write_is_short_enough_for_psycopg_to_keep_its_parse(by_agent, sender):
    """psycopg parses a statement's text on every run once it is longer than this."""
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH

    side, other = READ_SIDES[sender]
    statement, _groups = sql._message_write_statement(
        connection, by_agent=by_agent, names=PERSON_FIELDS, side=side, other=other
    )
    assert len(statement) <= MAX_CACHED_STATEMENT_LENGTH


def test_a_row_loads_as_from_db_builds_it_and_init_signals_still_hear_it():
    """RowColumns fills a plain model's instance dict itself (no Model.__init__): the same
    instance as from_db's; a model someone listens to being built goes through from_db."""
    conversation = factories.conversation()
    columns = sql.RowColumns(Conversation, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns.columns)} FROM support_conversation WHERE id = %s",  # noqa: S608
            [conversation.pk],
        )
        row = cursor.fetchone()

    loaded = columns.load(row, connection)
    assert columns.plain
    expected = sql.RowColumns(Conversation, connection)
    expected.plain = False  # from_db's way
    assert_loaded_alike(loaded, expected.load(row, connection))
    assert {k: v for k, v in vars(loaded).items() if k != "_state"} == {
        name: getattr(Conversation.objects.get(pk=conversation.pk), name)
        for name in columns.attnames
    }
    assert loaded.contact.pk == conversation.contact_id  # the relation still loads

    heard = []

    def built(sender, instance, **kwargs):
        heard.append(instance)

    post_init.connect(built, sender=Conversation)
    try:
        again = columns.load(row, connection)
    finally:
        post_init.disconnect(built, sender=Conversation)
    assert heard == [again]
