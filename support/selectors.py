"""Reads shared by views, consumers and realtime: access-checked, with related rows loaded once."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module
from types import SimpleNamespace
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, Lower
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.translation import gettext as _

from . import errors, hours, models, routing, search
from .identity import visitor_token_read
from .models import (
    AgentProfile,
    AuditEvent,
    CannedResponse,
    Contact,
    ContactChange,
    Conversation,
    Label,
    Message,
    Note,
    Team,
    Topic,
    Widget,
)
from .orm import RowColumns, prefetched_as
from .process_cache import ProcessCache

User = get_user_model()

OPEN_STATUSES = (
    Conversation.Status.BOT,
    Conversation.Status.QUEUED,
    Conversation.Status.OPEN,
    Conversation.Status.PENDING,
)


def widget_get_active(*, key: str) -> Widget:
    if not isinstance(key, str) or not key:
        raise errors.InvalidInput(_("widget_key is required."), code="widget_key_required")
    widget = Widget.objects.filter(key=key, is_active=True).first()
    if widget is None:
        raise errors.NotFound(_("No active widget has this key."), code="widget_not_found")
    return widget


def widget_origin_is_allowed(*, widget: Widget, origin: str | None, host: str = "") -> bool:
    """May a page of `origin` embed the widget (frame it, call its host API, open its socket)?

    Our own host always may; otherwise the origin must be one of the widget's allowed
    origins or settings.WIDGET_ALLOWED_ORIGINS. A missing origin (a native app, a same-origin
    GET) is the caller's decision: pass "" and get False.
    """
    origin = (origin or "").strip().rstrip("/").lower()
    parts = urlsplit(origin)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or origin != f"{parts.scheme}://{parts.netloc}"
        or any(c in parts.netloc for c in " ;,'\"")
    ):
        return False  # not an origin (a path, a "null" origin, a header-breaking character)
    if host and parts.netloc == host.lower():
        return True
    allowed = {o.rstrip("/").lower() for o in (widget.allowed_origins or [])}
    allowed |= {o.rstrip("/").lower() for o in settings.WIDGET_ALLOWED_ORIGINS}
    return origin in allowed


def _visitor_token_payload(token: str) -> dict:
    payload = visitor_token_read(token)
    if payload is None:
        raise errors.NotAuthenticated(_("The visitor token is missing, invalid or expired."))
    return payload


def _visitor_token_state_check(
    payload: dict, *, token_version: int, identified: bool, requires_identity: bool
) -> None:
    if token_version != payload["v"]:
        raise errors.NotAuthenticated(_("The visitor token has been revoked."))
    # Checked on every call, so turning the setting on locks anonymous visitors out at once.
    if requires_identity and not identified:
        raise errors.IdentityRequired(_("This widget requires a verified identity."))


def _token_check_statement(connection) -> str:
    quote = connection.ops.quote_name
    meta, widget_meta = Contact._meta, Widget._meta
    widget_field = meta.get_field("widget")
    contacts, widgets = quote(meta.db_table), quote(widget_meta.db_table)

    def column(table: str, model_meta, name: str) -> str:
        return f"{table}.{quote(model_meta.get_field(name).column)}"

    return (
        f"SELECT {column(contacts, meta, 'token_version')}, "  # noqa: S608
        f"{column(contacts, meta, 'identified')}, "
        f"{column(widgets, widget_meta, 'require_verified_identity')} "
        f"FROM {contacts} INNER JOIN {widgets} ON ({contacts}.{quote(widget_field.column)} = "
        f"{widgets}.{quote(widget_field.target_field.column)}) "
        f"WHERE {contacts}.{quote(meta.pk.column)} = %s "
        f"AND {contacts}.{quote(widget_field.column)} = %s "
        f"AND {column(widgets, widget_meta, 'is_active')} = %s"
    )


def contact_get_by_visitor_token(*, token: str) -> Contact:
    payload = _visitor_token_payload(token)
    contact = (
        Contact.objects.select_related("widget")
        .filter(pk=payload["c"], widget_id=payload["w"], widget__is_active=True)
        .first()
    )
    if contact is None:
        raise errors.NotAuthenticated(_("The visitor token has been revoked."))
    _visitor_token_state_check(
        payload,
        token_version=contact.token_version,
        identified=contact.identified,
        requires_identity=contact.widget.require_verified_identity,
    )
    return contact


# Per database alias: the text of visitor_token_check's statement.
_token_checks: dict[str, str] = {}


def visitor_token_check(*, token: str) -> None:
    """contact_get_by_visitor_token's checks, for a socket that holds its contact already
    and checks again at each message: one narrow fixed statement, nothing built. As

        Contact.objects.filter(pk=c, widget_id=w, widget__is_active=True).values_list(
            "token_version", "identified", "widget__require_verified_identity")

    (compiling that for every message was ~4% of server CPU under load)."""
    payload = _visitor_token_payload(token)
    connection = connections[router.db_for_read(Contact)]
    sql = _token_checks.get(connection.alias)
    if sql is None:
        sql = _token_checks[connection.alias] = _token_check_statement(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [payload["c"], payload["w"], True])
        row = cursor.fetchone()
    if row is None:
        raise errors.NotAuthenticated(_("The visitor token has been revoked."))
    token_version, identified, requires_identity = row  # SQLite answers 0/1 for booleans
    _visitor_token_state_check(
        payload,
        token_version=token_version,
        identified=identified,
        requires_identity=requires_identity,
    )


def visitor_token_check_locked(*, token: str, conversation: Conversation) -> None:
    """visitor_token_check against a conversation of the token's contact as
    conversation_lock_for_message loaded it (contact, widget flags): the same checks with no
    statement of their own, for a visitor's message."""
    payload = _visitor_token_payload(token)
    contact = conversation.contact
    if (
        contact.pk != payload["c"]
        or contact.widget_id != payload["w"]
        or not conversation.widget_is_active
    ):
        raise errors.NotAuthenticated(_("The visitor token has been revoked."))
    _visitor_token_state_check(
        payload,
        token_version=contact.token_version,
        identified=contact.identified,
        requires_identity=conversation.widget_requires_identity,
    )


def agent_team_ids(*, profile: AgentProfile) -> list[int]:
    """The agent's team ids, loaded once per profile object (once per request)."""
    if not hasattr(profile, "_team_ids"):
        profile._team_ids = list(profile.teams.values_list("id", flat=True))
    return profile._team_ids


def agent_user_get(*, user_id: str):
    """The user behind an agent profile, by id as a form sends it; InvalidInput otherwise."""
    profile = (
        AgentProfile.objects.select_related("user")
        .filter(user_id=int(user_id) if str(user_id).isdigit() else None)
        .first()
    )
    if profile is None:
        raise errors.InvalidInput(_("No such agent."))
    return profile.user


def agent_online_name(*, user_id: int) -> str:
    """The agent's name while their console is open and they are online (a fresh heartbeat,
    as automatic assignment requires), else "": who may be promised to a visitor."""
    profile = (
        AgentProfile.objects.select_related("user")
        .filter(
            user_id=user_id,
            presence=AgentProfile.Presence.ONLINE,
            last_seen_at__gte=timezone.now() - routing.PRESENCE_TIMEOUT,
        )
        .first()
    )
    return profile.name if profile else ""


def agent_list_for_assignment() -> list[AgentProfile]:
    """Every agent (with their user), by display name: from the per-process copy, shared
    read-only instances."""
    return [user.agent_profile for user in _agent_users_by_id.get().values()]


def team_list() -> list[Team]:
    """Every team, by name: from the per-process copy, shared read-only instances."""
    return list(_teams_by_id.get().values())


def topic_list_active() -> list[Topic]:
    return list(Topic.objects.filter(is_active=True).select_related("team"))


def topic_list_for_console() -> list[Topic]:
    """The active topics for the console's filters and menus (slug and name), in their order:
    from the per-process copy, shared read-only instances without their team."""
    return [topic for topic in _topics_by_id.get().values() if topic.is_active]


def conversation_list_for_contact(
    *, contact: Contact, limit: int = 50, offset: int = 0
) -> list[Conversation]:
    """The visitor's own conversations, newest activity first, with their unread counts."""
    return list(
        contact.conversations.select_related("topic", "assignee__agent_profile")
        .annotate(unread_count=F("visitor_unread_count"))
        .order_by("-last_message_at", "-id")[offset : offset + limit]
    )


def conversation_get_for_contact(*, contact: Contact, conversation_id) -> Conversation:
    try:
        conversation_id = int(conversation_id)
    except (TypeError, ValueError):
        raise errors.NotFound(_("No such conversation.")) from None
    conversation = (
        Conversation.objects.select_related("topic", "assignee__agent_profile", "contact", "rating")
        .filter(pk=conversation_id, contact=contact)
        .first()
    )
    if conversation is None:
        # 404, not 403: another visitor's conversation ids are not confirmed to exist.
        raise errors.NotFound(_("No such conversation."))
    return conversation


def agent_profile_for_user(user) -> AgentProfile | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.agent_profile
    except AgentProfile.DoesNotExist:
        return None


def agent_user_for_session(session_key: str | None):
    """The user a session still signs in, checked as Django checks every request (the session
    exists and is unexpired, its backend, the user is active, the password has not changed
    since), or None. Console sockets call it again while open: channels checks only once,
    when the socket connects."""
    if not session_key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    user = auth.get_user(SimpleNamespace(session=store))
    return user if user.is_authenticated else None


def _visible_to_agent_q(profile: AgentProfile, *, prefix: str = "") -> Q:
    """Agents see their teams' conversations, unrouted ones and those assigned to them.

    `prefix` applies the rule through a relation, e.g. "conversation__" from a message.
    """
    if profile.is_supervisor:
        return Q()
    team_ids = agent_team_ids(profile=profile)
    return (
        Q(**{f"{prefix}team__isnull": True})
        | Q(**{f"{prefix}team_id__in": team_ids})
        | Q(**{f"{prefix}assignee_id": profile.user_id})
    )


# The inbox's sort keys, defined next to the indexes that serve them (support.models).
PRIORITY_ORDER = models.PRIORITY_ORDER
# Missed targets still needing action (Conversation.sla_breached) sort above everything.
SLA_BREACHED_ORDER = models.SLA_BREACHED_ORDER

INBOX_VIEWS = ("mine", "unassigned", "teams", "all")
# What an inbox row shows (support.templatetags.console.inbox_row), for .only().
INBOX_ROW_FIELDS = (
    "status",
    "channel",
    "priority",
    "contact",
    "topic",
    "team",
    "assignee",
    "created_at",
    "queued_at",
    "first_response_due_at",
    "resolution_due_at",
    "first_response_at",
    "last_message_at",
    "last_message_preview",
    "last_message_preview_by_agent",
    "first_response_breached_at",
    "resolution_breached_at",
    "agent_unread_count",
    "contact__name",
    "contact__email",
    "topic__slug",
    "topic__name_en",
    "topic__name_tr",
    "rating__score",
)
INBOX_STATUSES = ("active", *Conversation.Status.values)


def inbox_view_q(*, profile: AgentProfile, view: str) -> Q:
    if view == "mine":
        return Q(assignee_id=profile.user_id)
    if view == "unassigned":
        return Q(assignee__isnull=True)
    if view == "teams":
        return Q(team_id__in=agent_team_ids(profile=profile))
    return Q()


def conversation_list_for_inbox(
    *,
    profile: AgentProfile,
    view: str = "mine",
    status: str = "active",
    priority: str = "",
    topic: str = "",
    label: int | None = None,
    channel: str = "",
    limit: int = 50,
) -> QuerySet[Conversation]:
    """One inbox view: most urgent first; the unassigned queue first come, first served."""
    queryset = Conversation.objects.filter(
        _visible_to_agent_q(profile), inbox_view_q(profile=profile, view=view)
    )
    if status == "active":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif status in Conversation.Status.values:
        queryset = queryset.filter(status=status)
    if priority in Conversation.Priority.values:
        queryset = queryset.filter(priority=priority)
    if topic:
        queryset = queryset.filter(topic__slug=topic)
    if label:
        queryset = queryset.filter(labels__id=label)
    if channel in Conversation.Channel.values:
        queryset = queryset.filter(channel=channel)
    ordering = ["-sla_breached_rank", "-priority_rank"]
    if view == "unassigned" and status in ("active", Conversation.Status.QUEUED):
        ordering += ["queued_at", "id"]
    else:
        ordering += ["-last_message_at", "-id"]
    return (
        queryset.select_related("contact", "topic", "rating")
        # What the row shows (support.templatetags.console.inbox_row), not the 60 columns
        # of the four tables: a third of the list's ORM time went to parsing the rest. A
        # field read outside this list costs a query per row (tests compare 5 and 40 rows).
        .only(*INBOX_ROW_FIELDS)
        # Fetched apart, not joined: with the assignee's user and profile joined as well
        # (7 tables), PostgreSQL spent 5-7 ms planning this query for 0.8 ms running it
        # (EXPLAIN ANALYZE at 100k conversations); a page has a handful of assignees.
        .prefetch_related(
            Prefetch("assignee", queryset=User.objects.select_related("agent_profile")),
            # As a plain list (the row reads `label_list` first): a prefetched manager per
            # row costs ~30 µs each to build.
            Prefetch("labels", to_attr="label_list"),
        )
        .annotate(
            unread_count=F("agent_unread_count"),
            priority_rank=PRIORITY_ORDER,
            sla_breached_rank=SLA_BREACHED_ORDER,
        )
        .order_by(*ordering)[:limit]
    )


def inbox_counts(*, profile: AgentProfile) -> dict[str, int]:
    """Active conversations per inbox view, in one query."""
    visible = Conversation.objects.filter(_visible_to_agent_q(profile), status__in=OPEN_STATUSES)
    return visible.aggregate(
        **{
            # COUNT(1), not COUNT(id): then every column read is in
            # conversation_active_owner_idx, and PostgreSQL counts from the index alone.
            view: Count(Value(1), filter=inbox_view_q(profile=profile, view=view))
            for view in INBOX_VIEWS
        }
    )


def agent_candidates(*, team_id: int | None, lock: bool) -> list[routing.Candidate]:
    """Online agents who may take a conversation of this team (any team when unrouted).

    With lock, their rows stay locked until the transaction ends: concurrent assignments to
    the same agents queue up behind each other instead of both seeing free capacity.
    """
    fresh_since = timezone.now() - routing.PRESENCE_TIMEOUT
    profiles = AgentProfile.objects.filter(
        presence=AgentProfile.Presence.ONLINE, last_seen_at__gte=fresh_since
    )
    if team_id is not None:
        profiles = profiles.filter(teams=team_id)
    if lock:
        # Ordered by id, so two transactions lock shared agents in the same order.
        profiles = profiles.select_for_update(of=("self",))
    rows = list(profiles.order_by("pk").values("pk", "user_id", "capacity", "last_assigned_at"))
    open_counts = dict(
        Conversation.objects.filter(
            assignee_id__in=[row["user_id"] for row in rows], status=Conversation.Status.OPEN
        )
        .values_list("assignee_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    return [
        routing.Candidate(
            profile_id=row["pk"],
            user_id=row["user_id"],
            open_count=open_counts.get(row["user_id"], 0),
            capacity=row["capacity"],
            last_assigned_at=row["last_assigned_at"],
        )
        for row in rows
    ]


def queue_for_team(*, team_id: int | None) -> QuerySet[Conversation]:
    """The waiting line of one team (or of unrouted conversations): head first."""
    return (
        Conversation.objects.filter(status=Conversation.Status.QUEUED, assignee__isnull=True)
        .filter(Q(team_id=team_id) if team_id is not None else Q(team__isnull=True))
        .annotate(priority_rank=PRIORITY_ORDER)
        .order_by("-priority_rank", "queued_at", "id")
    )


RECENT_WAITS_SAMPLE = 20


def recent_waits_seconds(*, team_id: int | None) -> list[float]:
    since = timezone.now() - timedelta(days=1)
    rows = (
        Conversation.objects.filter(
            Q(team_id=team_id) if team_id is not None else Q(team__isnull=True),
            first_response_at__gte=since,
            queued_at__isnull=False,
        )
        .order_by("-first_response_at")
        .values_list("queued_at", "first_response_at")[:RECENT_WAITS_SAMPLE]
    )
    return [(answered - queued).total_seconds() for queued, answered in rows if answered >= queued]


def queue_positions(*, team_id: int | None, limit: int = 200) -> dict[int, dict]:
    """Place in line and estimated wait for everyone waiting in one queue."""
    waiting = list(queue_for_team(team_id=team_id).values_list("id", flat=True)[:limit])
    if not waiting:
        return {}
    waits = recent_waits_seconds(team_id=team_id)
    return {
        conversation_id: {
            "position": position,
            "estimated_wait_seconds": routing.estimated_wait_seconds(
                recent_waits=waits, position=position
            ),
        }
        for position, conversation_id in enumerate(waiting, start=1)
    }


def conversation_queue_info(*, conversation: Conversation) -> dict | None:
    if conversation.status != Conversation.Status.QUEUED or conversation.assignee_id:
        return None
    return queue_positions(team_id=conversation.team_id).get(conversation.pk)


def _agent_users_load() -> dict:
    users = {}
    # In agent_list_for_assignment's order, the database's collation.
    for profile in AgentProfile.objects.select_related("user").order_by("display_name", "pk"):
        user = profile.user
        user.agent_profile = profile
        users[user.pk] = user
    return users


# Small tables every inbox row and conversation page shows, kept per process for a few
# seconds (process_cache): shared, read-only instances, in each model's order.
_topics_by_id = ProcessCache(lambda: {t.pk: t for t in Topic.objects.all()}, models=(Topic,))
_teams_by_id = ProcessCache(lambda: {t.pk: t for t in Team.objects.all()}, models=(Team,))
_agent_users_by_id = ProcessCache(_agent_users_load, models=(AgentProfile, get_user_model()))
_labels = ProcessCache(lambda: list(Label.objects.order_by("name")), models=(Label,))

CANNED_PREVIEW_CHARS = 120


def _canned_menu_load() -> list[tuple[dict, int | None, int | None]]:
    """What the composer's canned-reply menu shows of every reply, with its team and owner."""
    rows = CannedResponse.objects.values(
        "id", "title", "shortcut", "body_en", "team_id", "owner_id"
    )
    return [
        (
            {
                "id": row["id"],
                "title": row["title"],
                "shortcut": row["shortcut"],
                "preview": row["body_en"][:CANNED_PREVIEW_CHARS],
            },
            row["team_id"],
            row["owner_id"],
        )
        for row in rows
    ]


_canned_menu = ProcessCache(_canned_menu_load, models=(CannedResponse,))


def conversation_inbox_relations_fill(
    conversation: Conversation, *, fields=("topic", "team", "assignee")
) -> None:
    """Topic, team and assignee (with agent profile), or those of `fields`, from the
    per-process copies, for a conversation loaded with its contact and rating: the message
    path's lock query joins two tables instead of six. One missing from the copies (created
    in another process within the last seconds) loads as usual, on access."""
    caches = {"topic": _topics_by_id, "team": _teams_by_id, "assignee": _agent_users_by_id}
    for field in fields:
        cache = caches[field]
        related_id = getattr(conversation, f"{field}_id")
        if related_id is None:
            continue
        related = cache.get().get(related_id)
        if related is not None:
            setattr(conversation, field, related)


def message_senders_fill(messages: list[Message]) -> None:
    """Each agent message's sender, with agent profile, from the per-process copy; those not
    in it (a former agent, or one added in another process within the last seconds) in one
    query."""
    users = _agent_users_by_id.get()
    missing = set()
    for message in messages:
        if message.sender_agent_id is not None:
            user = users.get(message.sender_agent_id)
            if user is None:
                missing.add(message.sender_agent_id)
            else:
                message.sender_agent = user
    if missing:
        fetched = User.objects.select_related("agent_profile").in_bulk(missing)
        for message in messages:
            if message.sender_agent_id in fetched:
                message.sender_agent = fetched[message.sender_agent_id]


def conversation_has_labels() -> Exists:
    """Annotate a conversation query with this as `has_labels`; conversation_labels_load()
    then fetches labels only for the (few) conversations that have some."""
    return Exists(Label.objects.filter(conversations=OuterRef("pk")))


# Per (database alias, for an agent's reply): the lock statement's text and the column groups
# it returns.
_message_locks: dict[tuple[str, bool], tuple[str, RowColumns, RowColumns, RowColumns]] = {}


def conversation_lock_for_message(
    *, conversation_id: int, visible_to: AgentProfile | None = None
) -> Conversation:
    """The conversation, row-locked until the transaction ends, with its contact, its rating
    (or the knowledge that it has none), `has_labels` and its contact's widget's
    `widget_is_active` and `widget_requires_identity` (a visitor's token is checked against
    them: visitor_token_check_locked), loaded as

        Conversation.objects.select_for_update(of=("self",)).select_related("contact",
        "rating").annotate(has_labels=conversation_has_labels(),
        widget_is_active=F("contact__widget__is_active"), widget_requires_identity=
        F("contact__widget__require_verified_identity")).get(pk=conversation_id)

    would, but from one fixed statement: compiling that query for every message was ~7% of
    server CPU under load. Raises Conversation.DoesNotExist as get() does. SQLite has no row
    locks (its writes are serialised anyway) and, as the ORM does there, gets no lock clause.

    `visible_to`: an agent's reply; a conversation the console's visibility rule
    (_visible_to_agent_q) hides from this agent is not locked, and NotFound is raised for it
    as for a missing one (the rule rides on the lock: no check of its own, one round trip).
    """
    connection = connections[router.db_for_write(Conversation)]
    by_agent = visible_to is not None and not visible_to.is_supervisor
    key = (connection.alias, by_agent)
    statement = _message_locks.get(key)
    if statement is None:
        statement = _message_locks[key] = _message_lock_statement(connection, by_agent=by_agent)
    sql, conversation_columns, contact_columns, rating_columns = statement
    params = [conversation_id, visible_to.pk, visible_to.user_id] if by_agent else [conversation_id]
    if connection.features.has_select_for_update and connection.get_autocommit():
        # What the ORM says for a lock that would end with its statement.
        raise TransactionManagementError(
            "select_for_update cannot be used outside of a transaction."
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None and visible_to is not None:
        raise errors.NotFound(_("No such conversation."))
    if row is None:
        raise Conversation.DoesNotExist(
            f"{Conversation._meta.object_name} matching query does not exist."
        )
    end = len(conversation_columns)
    conversation = conversation_columns.load(row[:end], connection)
    # SQLite answers 0/1 for booleans.
    conversation.has_labels = bool(row[end])
    conversation.widget_is_active = bool(row[end + 1])
    conversation.widget_requires_identity = bool(row[end + 2])
    end += 3
    contact = contact_columns.load(row[end : end + len(contact_columns)], connection)
    rating = rating_columns.load(row[end + len(contact_columns) :], connection)
    # The caches select_related fills: conversation.contact, conversation.rating (None: a
    # reverse one-to-one that raises RelatedObjectDoesNotExist without a query) and
    # rating.conversation.
    Conversation.contact.field.set_cached_value(conversation, contact)
    Conversation.rating.related.set_cached_value(conversation, rating)
    if rating is not None:
        Conversation.rating.related.field.set_cached_value(rating, conversation)
    return conversation


def _message_lock_statement(
    connection, *, by_agent: bool
) -> tuple[str, RowColumns, RowColumns, RowColumns]:
    contact_field = Conversation._meta.get_field("contact")
    rating_field = Conversation._meta.get_field("rating").field  # Rating.conversation
    labels_field = Conversation._meta.get_field("labels")
    conversation_columns = RowColumns(Conversation, connection)
    contact_columns = RowColumns(contact_field.related_model, connection)
    rating_columns = RowColumns(rating_field.model, connection)
    quote = connection.ops.quote_name
    conversations = quote(Conversation._meta.db_table)
    contacts = quote(contact_field.related_model._meta.db_table)
    widget_field = contact_field.related_model._meta.get_field("widget")
    widget_meta = widget_field.related_model._meta
    widgets = quote(widget_meta.db_table)
    ratings = quote(rating_field.model._meta.db_table)
    links = quote(labels_field.m2m_db_table())
    conversation_id = f"{conversations}.{quote(Conversation._meta.pk.column)}"
    # The through table alone answers "has labels": its foreign key guarantees the label.
    link_conversation = f"{links}.{quote(labels_field.m2m_column_name())}"
    has_labels = f"EXISTS(SELECT 1 FROM {links} WHERE {link_conversation} = {conversation_id})"  # noqa: S608
    lock = ""
    if connection.features.has_select_for_update:
        of = (conversations,) if connection.features.has_select_for_update_of else ()
        lock = " " + connection.ops.for_update_sql(of=of)
    widget_flags = ", ".join(
        f"{widgets}.{quote(widget_meta.get_field(name).column)}"
        for name in ("is_active", "require_verified_identity")
    )
    sql = (
        f"SELECT {conversation_columns.sql}, {has_labels}, {widget_flags}, "  # noqa: S608
        f"{contact_columns.sql}, {rating_columns.sql} FROM {conversations} "
        f"INNER JOIN {contacts} ON ({conversations}.{quote(contact_field.column)} = "
        f"{contacts}.{quote(contact_field.target_field.column)}) "
        f"INNER JOIN {widgets} ON ({contacts}.{quote(widget_field.column)} = "
        f"{widgets}.{quote(widget_field.target_field.column)}) "
        f"LEFT OUTER JOIN {ratings} ON ({conversation_id} = "
        f"{ratings}.{quote(rating_field.column)}) "
        f"WHERE {conversation_id} = %s"
        + (f" AND {_agent_visibility_sql(connection)}" if by_agent else "")
        + lock
    )
    return sql, conversation_columns, contact_columns, rating_columns


def conversation_labels_load(conversation: Conversation) -> None:
    if getattr(conversation, "has_labels", True):
        prefetch_related_objects([conversation], "labels")
    else:
        prefetched_as(conversation, "labels", [])


def _one_for_row(queryset: QuerySet[Conversation]) -> Conversation | None:
    """One conversation with what its inbox row and header show, as support.services.message_send
    loads it: contact and rating joined (PostgreSQL plans the six-table join of every relation
    in ~1.5 ms, this one in a fraction), topic, team and assignee from the process copies,
    labels only when it has some."""
    conversation = _one(
        queryset.select_related("contact", "rating").annotate(
            unread_count=F("agent_unread_count"), has_labels=conversation_has_labels()
        )
    )
    if conversation is not None:
        conversation_inbox_relations_fill(conversation)
        conversation_labels_load(conversation)
    return conversation


def conversation_get_for_agent(
    *, profile: AgentProfile, conversation_id, for_page: bool = False
) -> Conversation:
    """The conversation, if the agent may see it; NotFound otherwise.

    `for_page`: the same query also says whether there are internal notes and changes to the
    contact's details (`has_notes`, `contact.has_changes`); most conversations have neither,
    and then the page's note_list_for_conversation and contact_change_list need no query.
    """
    try:
        conversation_id = int(conversation_id)
    except (TypeError, ValueError):
        raise errors.NotFound(_("No such conversation.")) from None
    queryset = Conversation.objects.filter(_visible_to_agent_q(profile)).filter(pk=conversation_id)
    if for_page:
        queryset = queryset.annotate(
            has_notes=Exists(Note.objects.filter(conversation=OuterRef("pk"))),
            contact_has_changes=Exists(ContactChange.objects.filter(contact=OuterRef("contact"))),
        )
    conversation = _one_for_row(queryset)
    if conversation is None:
        raise errors.NotFound(_("No such conversation."))
    if for_page:
        conversation.contact.has_changes = conversation.contact_has_changes
    return conversation


def conversation_id_clean(conversation_id) -> int:
    """A conversation id as a form or a frame sends it; NotFound for anything that is not one
    (or that the databases could not compare)."""
    try:
        conversation_id = int(conversation_id)
    except (TypeError, ValueError):
        raise errors.NotFound(_("No such conversation.")) from None
    if not 0 < conversation_id < 2**63:
        raise errors.NotFound(_("No such conversation."))
    return conversation_id


def _agent_visibility_sql(connection) -> str:
    """The rule of _visible_to_agent_q for one (non-supervisor) agent as a condition on the
    conversations table, with two parameters (the agent profile's id, its user's id):

        Q(team__isnull=True) | Q(team_id__in=<the agent's teams>) | Q(assignee_id=<the agent>)
    """
    quote = connection.ops.quote_name
    meta = Conversation._meta
    conversations = quote(meta.db_table)
    teams_field = AgentProfile._meta.get_field("teams")
    through = quote(teams_field.m2m_db_table())
    team = f"{conversations}.{quote(meta.get_field('team').column)}"
    assignee = f"{conversations}.{quote(meta.get_field('assignee').column)}"
    return (
        f"({team} IS NULL "  # noqa: S608
        f"OR {team} IN (SELECT {through}.{quote(teams_field.m2m_reverse_name())} FROM {through} "
        f"WHERE {through}.{quote(teams_field.m2m_column_name())} = %s) "
        f"OR {assignee} = %s)"
    )


def _one(queryset: QuerySet):
    """The row of a primary-key query, or None. Not .first(): its ORDER BY on the 7-table
    inbox join cost ~0.9 ms more (planning) on every console request that loads one."""
    return next(iter(queryset), None)


def conversation_list_by_ids(*, ids: list[int]) -> list[Conversation]:
    return list(
        Conversation.objects.filter(pk__in=ids).select_related(
            "topic", "assignee__agent_profile", "rating"
        )
    )


def conversation_get_for_inbox_row(*, conversation_id: int) -> Conversation | None:
    """One conversation with the inbox's columns, for the live inbox fragment: as
    support.services.message_send loads it (contact and rating joined, topic, team and assignee
    from the process copies, labels only when it has some)."""
    return _one_for_row(Conversation.objects.filter(pk=conversation_id))


def team_has_online_agent(*, team_id: int, now) -> bool:
    """Is an agent of the team online with a live console (fresh heartbeat)?"""
    return AgentProfile.objects.filter(
        teams=team_id,
        presence=AgentProfile.Presence.ONLINE,
        last_seen_at__gte=now - routing.PRESENCE_TIMEOUT,
    ).exists()


def agent_online_any(*, now) -> bool:
    """Is any agent online with a live console (fresh heartbeat)?"""
    return AgentProfile.objects.filter(
        presence=AgentProfile.Presence.ONLINE,
        last_seen_at__gte=now - routing.PRESENCE_TIMEOUT,
    ).exists()


def nobody_can_answer(
    *, conversation: Conversation | None, now, support_open: bool | None = None
) -> bool:
    """Will a visitor wait in vain for a person? The one rule behind the widget's "leave
    your email" offer (docs/protocol.md, "Email"): the session's answer for a new chat and each
    conversation's `email_offer`.

    Never while an agent holds the conversation (a live chat, whatever the hours) nor once it
    is resolved. Otherwise: its team closed or with no agent online; with no team (a new chat,
    the bot), support as a whole closed (`support_open`, as the session computed it; else
    computed here) or no agent online at all.
    """
    if conversation is not None:
        if conversation.assignee_id or conversation.status == Conversation.Status.RESOLVED:
            return False
        team = _teams_by_id.get().get(conversation.team_id) if conversation.team_id else None
        if team is not None:
            return not (
                hours.team_opening_status(team=team, at=now).is_open
                and team_has_online_agent(team_id=team.pk, now=now)
            )
    if support_open is None:
        teams = [topic.team for topic in topic_list_active() if topic.team is not None]
        support_open = hours.support_hours(teams=teams, at=now).status.is_open
    return not support_open or not agent_online_any(now=now)


def supervisor_emails(*, team_id: int | None) -> list[str]:
    """Where a team's alerts go: its supervisors, or every supervisor for unrouted chats."""
    profiles = AgentProfile.objects.filter(role=AgentProfile.Role.SUPERVISOR)
    if team_id is not None:
        profiles = profiles.filter(teams=team_id)
    emails = profiles.exclude(user__email="").values_list("user__email", flat=True)
    return sorted(set(emails))


# Console search (support.search): messages and contacts, access-checked, newest first.


@dataclass(frozen=True)
class SearchFilters:
    """Narrowing of a console search; empty values mean "any"."""

    status: str = ""
    team_id: int | None = None
    topic: str = ""
    # An agent's user id, or UNASSIGNED.
    assignee: int | str | None = None
    since: datetime | None = None
    until: datetime | None = None


UNASSIGNED = "none"


@dataclass(frozen=True)
class MessageHit:
    message: Message
    conversation: Conversation
    snippet: str


@dataclass(frozen=True)
class MessageSearchPage:
    hits: list[MessageHit]
    # Pass as `before` for the next (older) page; None on the last page.
    next_before: int | None


def _conversation_filters_q(filters: SearchFilters, *, prefix: str = "") -> Q:
    condition = Q()
    if filters.status in Conversation.Status.values:
        condition &= Q(**{f"{prefix}status": filters.status})
    if filters.team_id is not None:
        condition &= Q(**{f"{prefix}team_id": filters.team_id})
    if filters.topic:
        condition &= Q(**{f"{prefix}topic__slug": filters.topic})
    if filters.assignee == UNASSIGNED:
        condition &= Q(**{f"{prefix}assignee__isnull": True})
    elif filters.assignee is not None:
        condition &= Q(**{f"{prefix}assignee_id": filters.assignee})
    return condition


def message_search(
    *,
    profile: AgentProfile,
    query: str,
    filters: SearchFilters | None = None,
    before: int | None = None,
    limit: int = 20,
) -> MessageSearchPage:
    """Messages matching `query` in the conversations the agent may see, newest first.

    One query, with each hit's conversation, contact, topic, team and assignee. Pages by
    message id (`before`), never by offset, so a page costs the same deep in the results.
    Notes and system lines are searched like any message an agent sees.
    """
    terms = search.query_terms(query[: search.MAX_QUERY_CHARS])
    if not terms:
        return MessageSearchPage(hits=[], next_before=None)
    filters = filters or SearchFilters()
    messages = Message.objects.filter(
        _visible_to_agent_q(profile, prefix="conversation__"),
        _conversation_filters_q(filters, prefix="conversation__"),
    )
    if filters.since is not None:
        messages = messages.filter(created_at__gte=filters.since)
    if filters.until is not None:
        messages = messages.filter(created_at__lt=filters.until)
    if before is not None:
        messages = messages.filter(id__lt=before)
    found = list(
        search.matching(messages, terms)
        .select_related(
            "conversation__contact",
            "conversation__topic",
            "conversation__team",
            "conversation__assignee__agent_profile",
            "sender_agent__agent_profile",
        )
        .defer(
            "search_text",
            "search_document",
            "conversation__contact__search_text",
            "conversation__contact__search_document",
        )
        .order_by("-id")[: limit + 1]
    )
    more = len(found) > limit
    found = found[:limit]
    return MessageSearchPage(
        hits=[
            MessageHit(
                message=message,
                conversation=message.conversation,
                snippet=search.highlight(message.body, terms),
            )
            for message in found
        ],
        next_before=found[-1].pk if more else None,
    )


def contact_search(*, profile: AgentProfile, query: str, limit: int = 10) -> list[Contact]:
    """Contacts matching `query` (name, email, phone, user id) who have a conversation the
    agent may see, most recently seen first. Each has `conversation_count` (visible ones),
    `latest_conversation_id` and `snippet` (name and email, highlighted). One query."""
    terms = search.query_terms(query[: search.MAX_QUERY_CHARS])
    if not terms:
        return []
    visible = Conversation.objects.filter(_visible_to_agent_q(profile), contact=OuterRef("pk"))
    latest = visible.order_by("-last_message_at", "-id").values("id")[:1]
    count = visible.order_by().values("contact").annotate(n=Count("id")).values("n")
    contacts = list(
        search.matching(Contact.objects.all(), terms)
        .annotate(
            latest_conversation_id=Subquery(latest, output_field=IntegerField()),
            conversation_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
        )
        .filter(latest_conversation_id__isnull=False)
        .defer("search_text", "search_document", "attributes", "device")
        .order_by(F("last_seen_at").desc(nulls_last=True), "-id")[:limit]
    )
    for contact in contacts:
        contact.snippet = search.highlight(
            " · ".join(part for part in (contact.name, contact.email, contact.phone) if part)
            or contact.display_name,
            terms,
        )
    return contacts


def conversation_search_by_number(*, profile: AgentProfile, query: str) -> Conversation | None:
    """ "#123" or "123": that conversation, when the agent may see it."""
    number = query.strip().lstrip("#")
    if not number.isdigit() or len(number) > 18:
        return None
    try:
        return conversation_get_for_agent(profile=profile, conversation_id=number)
    except errors.NotFound:
        return None


def search_filter_choices() -> dict:
    """What the search form offers: teams, topics and agents."""
    return {
        "teams": team_list(),
        "topics": list(Topic.objects.order_by("order", "slug")),
        "agents": agent_list_for_assignment(),
    }


# The contact panel beside a conversation


def conversation_list_for_contact_panel(
    *, profile: AgentProfile, contact: Contact, limit: int = 20
) -> list[Conversation]:
    """The contact's conversations the agent may see, newest activity first: the columns
    the panel shows, topics from the per-process copy (half the time of joining them and
    reading every column)."""
    conversations = list(
        Conversation.objects.filter(_visible_to_agent_q(profile), contact=contact)
        .only("status", "topic", "last_message_preview", "created_at")
        .order_by(F("last_message_at").desc(nulls_last=True), "-id")[:limit]
    )
    for conversation in conversations:
        conversation_inbox_relations_fill(conversation, fields=("topic",))
    return conversations


def contact_change_list(*, contact: Contact, limit: int = 10) -> list[ContactChange]:
    """The latest edits of the contact's details, newest first, with who made them."""
    if not getattr(contact, "has_changes", True):  # conversation_get_for_agent(for_page=True)
        return []
    return list(contact.changes.select_related("changed_by__agent_profile").order_by("-id")[:limit])


def audit_event_list_recent(*, limit: int = 50) -> list[AuditEvent]:
    return list(AuditEvent.objects.select_related("actor").order_by("-id")[:limit])


# Canned replies, notes, labels ------------------------------------------------------------------


def canned_response_list_for_agent(*, profile: AgentProfile) -> list[CannedResponse]:
    """The replies an agent may use: their teams' and their own (supervisors: every team's)."""
    scope = Q(owner_id=profile.user_id)
    if profile.is_supervisor:
        scope |= Q(team__isnull=False)
    else:
        scope |= Q(team_id__in=agent_team_ids(profile=profile))
    return list(CannedResponse.objects.filter(scope).select_related("team", "owner"))


def canned_response_menu_for_agent(*, profile: AgentProfile) -> list[dict]:
    """canned_response_list_for_agent's replies as the composer's menu lists them (id, title,
    shortcut, the start of the English body as `preview`): from the per-process copy, fresh
    dicts."""
    team_ids = None if profile.is_supervisor else set(agent_team_ids(profile=profile))
    return [
        dict(item)
        for item, team_id, owner_id in _canned_menu.get()
        if owner_id == profile.user_id
        or (team_id is not None and (team_ids is None or team_id in team_ids))
    ]


def canned_response_get_for_agent(*, profile: AgentProfile, canned_id) -> CannedResponse:
    try:
        canned_id = int(canned_id)
    except (TypeError, ValueError):
        raise errors.NotFound("No such canned reply.") from None
    for canned in canned_response_list_for_agent(profile=profile):
        if canned.pk == canned_id:
            return canned
    raise errors.NotFound("No such canned reply.")


def canned_response_can_manage(*, profile: AgentProfile, canned: CannedResponse) -> bool:
    """Agents manage their own replies; supervisors also every team's."""
    if canned.owner_id is not None:
        return canned.owner_id == profile.user_id
    return profile.is_supervisor


def agent_list_who_may_see(
    *, conversation: Conversation, usernames: list[str]
) -> list[AgentProfile]:
    """Agents by username (any case) who may see the conversation, in one query."""
    if not usernames:
        return []
    profiles = AgentProfile.objects.annotate(username_lower=Lower("user__username")).filter(
        username_lower__in=[name.lower() for name in usernames]
    )
    if conversation.team_id is not None:
        profiles = profiles.filter(
            Q(role=AgentProfile.Role.SUPERVISOR)
            | Q(user_id=conversation.assignee_id)
            | Q(teams=conversation.team_id)
        )
    return list(profiles.select_related("user").distinct().order_by("pk"))


def note_list_for_conversation(
    *,
    conversation: Conversation,
    after: int | None = None,
    since=None,
    before_message: int | None = None,
    limit: int = 500,
) -> list[Note]:
    """The newest notes (or those after an id, or written since a time, or before a message
    was), oldest first, with their authors."""
    if not getattr(conversation, "has_notes", True):  # conversation_get_for_agent(for_page=True)
        return []
    notes = Note.objects.filter(conversation=conversation)
    if since is not None:
        notes = notes.filter(created_at__gte=since)
    if before_message is not None:
        notes = notes.filter(
            created_at__lt=Subquery(
                Message.objects.filter(pk=before_message, conversation=conversation).values(
                    "created_at"
                )[:1]
            )
        )
    if after is not None:
        notes = notes.filter(id__gt=after).order_by("id")[:limit]
        return list(notes.select_related("author__agent_profile"))
    newest = list(notes.select_related("author__agent_profile").order_by("-id")[:limit])
    newest.reverse()
    return newest


def note_get_for_console(*, note_id: int) -> Note | None:
    return (
        Note.objects.select_related("author__agent_profile", "conversation__contact")
        .prefetch_related("mentions")
        .filter(pk=note_id)
        .first()
    )


def label_list() -> list[Label]:
    """Every label, by name: from the per-process copy, shared read-only instances."""
    return list(_labels.get())


def message_objects_after(*, conversation: Conversation, after: int, limit: int) -> list[Message]:
    return list(
        Message.objects.filter(conversation=conversation, id__gt=after)
        .select_related("sender_agent__agent_profile")
        .prefetch_related("attachments")
        .order_by("id")[:limit]
    )
