"""Every write of the helpdesk domain. Realtime events leave only after commit."""

import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chat import realtime
from chat import services as chat_services
from emails import services as email_services
from integrations import events
from ratings import services as rating_services

from . import errors, hours, routing, selectors
from .identity import identity_hash_is_valid, visitor_token_issue
from .languages import contact_language
from .models import (
    MAX_ATTRIBUTE_NAME_CHARS,
    MAX_ATTRIBUTES,
    MAX_FIELD_CHARS,
    AgentProfile,
    AuditEvent,
    CannedResponse,
    Contact,
    ContactChange,
    Conversation,
    Label,
    Message,
    Note,
    PriorityRule,
    RateLimitBucket,
    ResponseTarget,
    Team,
    Topic,
)
from .orm import fields_save
from .process_cache import ProcessCache
from .ratelimits import rate_limit_enforce, rate_limit_hit

Status = Conversation.Status
# Whose messages count as unread for each side.
UNREAD_FOR = {"agent": ("visitor",), "visitor": ("agent", "bot")}

# The conversation pipeline: the only status moves allowed (django-oscar style), checked by
# conversation_transition, the one place a conversation's status is written.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    # bot → open: an agent takes a conversation the greeting bot still holds.
    Status.BOT: frozenset({Status.QUEUED, Status.OPEN, Status.RESOLVED}),
    Status.QUEUED: frozenset({Status.OPEN, Status.PENDING, Status.RESOLVED}),
    Status.OPEN: frozenset({Status.QUEUED, Status.PENDING, Status.RESOLVED}),
    Status.PENDING: frozenset({Status.OPEN, Status.QUEUED, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.QUEUED, Status.OPEN}),
}

DEVICE_FIELDS = (
    "platform",
    "os",
    "os_version",
    "app_version",
    "model",
    "screen",
    "locale",
    "timezone",
    "url",
    "user_agent",
)


def _clean_text(value: Any, *, field: str, max_chars: int = MAX_FIELD_CHARS) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise errors.InvalidInput(_("%(field)s must be a string.") % {"field": field})
    text = str(value).strip()
    if len(text) > max_chars:
        raise errors.InvalidInput(
            _("%(field)s is longer than %(max)s characters.") % {"field": field, "max": max_chars}
        )
    return text


def _clean_device(device: Any) -> dict[str, str]:
    if device is None:
        return {}
    if not isinstance(device, dict):
        raise errors.InvalidInput(_("device must be an object."))
    cleaned = {}
    for name in DEVICE_FIELDS:
        if device.get(name) not in (None, ""):
            cleaned[name] = _clean_text(device[name], field=f"device.{name}")
    if "os" not in cleaned and cleaned.get("user_agent"):
        # The web widget sends its user agent and lets the server name the system.
        cleaned.update(os_from_user_agent(cleaned["user_agent"]))
    return cleaned


# First match wins: iOS and Android user agents also say "Mac OS X" and "Linux".
USER_AGENT_SYSTEMS = [
    ("Windows", re.compile(r"Windows NT ([\d.]+)")),
    ("iOS", re.compile(r"(?:iPhone|iPad|iPod).*? OS ([\d_]+)")),
    ("Android", re.compile(r"Android ([\d.]+)")),
    ("macOS", re.compile(r"Mac OS X ([\d_.]+)")),
    ("Linux", re.compile(r"Linux()")),
]


def os_from_user_agent(user_agent: str) -> dict[str, str]:
    """{os, os_version} named by a browser's user agent; {} when none is recognised."""
    for name, pattern in USER_AGENT_SYSTEMS:
        match = pattern.search(user_agent)
        if match:
            version = match.group(1).replace("_", ".")
            return {"os": name, "os_version": version} if version else {"os": name}
    return {}


def _clean_attributes(attributes: Any) -> dict[str, Any]:
    if attributes is None:
        return {}
    if not isinstance(attributes, dict):
        raise errors.InvalidInput(_("contact.attributes must be an object."))
    if len(attributes) > MAX_ATTRIBUTES:
        raise errors.InvalidInput(
            _("contact.attributes has more than %(max)s keys.") % {"max": MAX_ATTRIBUTES}
        )
    cleaned: dict[str, Any] = {}
    for key, value in attributes.items():
        key = _clean_text(key, field="attribute name", max_chars=MAX_ATTRIBUTE_NAME_CHARS)
        if value is None or isinstance(value, bool | int | float):
            cleaned[key] = value
        else:
            cleaned[key] = _clean_text(value, field=f"contact.attributes.{key}")
    return cleaned


def widget_session_open(
    *,
    widget_key: Any,
    visitor_token: Any = None,
    identity: Any = None,
    contact_data: Any = None,
    device: Any = None,
    locale: Any = "",
    ip_address: str | None = None,
) -> tuple[Contact, str]:
    """Open or resume a visitor's session: find or create the contact, issue a token.

    A signed identity wins over a token; an anonymous contact that logs in is merged
    into the identified one, so the chat they started is not lost. `ip_address` (the
    widget API passes it) counts towards DESTEK["SESSION_RATE_LIMIT"].
    """
    widget_session_rate_check(ip_address=ip_address)
    widget = selectors.widget_get_active(key=widget_key)
    if widget.require_verified_identity and identity is None:
        raise errors.IdentityRequired(_("This widget requires a verified identity."))
    if contact_data is not None and not isinstance(contact_data, dict):
        raise errors.InvalidInput(_("contact must be an object."))
    contact_data = contact_data or {}
    name = _clean_text(contact_data.get("name"), field="contact.name", max_chars=191)
    email = _clean_text(contact_data.get("email"), field="contact.email", max_chars=254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise errors.InvalidInput(_("contact.email is not an email address.")) from None
    phone = _clean_text(contact_data.get("phone"), field="contact.phone", max_chars=64)
    attributes = _clean_attributes(contact_data.get("attributes"))
    device = _clean_device(device)
    locale = _clean_text(locale, field="locale", max_chars=16) or device.get("locale", "")[:16]

    resumed = None
    if visitor_token:
        try:
            resumed = selectors.contact_get_by_visitor_token(token=visitor_token)
        except (errors.NotAuthenticated, errors.IdentityRequired):
            resumed = None  # an expired token just starts a fresh anonymous session
        if resumed is not None and resumed.widget_id != widget.pk:
            resumed = None

    with transaction.atomic():
        if identity is not None:
            contact, created = _contact_identified(widget=widget, identity=identity)
            before = {} if created else _contact_snapshot(contact)
            if resumed is not None and not resumed.identified and resumed.pk != contact.pk:
                _contact_merge(source=resumed, target=contact)
        elif resumed is not None:
            contact = resumed
            before = _contact_snapshot(contact)
        else:
            contact = Contact.objects.create(widget=widget)
            before = {}

        if name:
            contact.name = name
        if email:
            contact.email = email
        if phone:
            contact.phone = phone
        if attributes:
            contact.attributes = {**contact.attributes, **attributes}
        if device:
            contact.device = device
        if locale:
            contact.locale = locale
        contact.last_seen_at = timezone.now()
        contact.search_text = contact.search_words()
        contact.save()
        after = _contact_snapshot(contact)
        if after != before and any(after.values()):
            events.event_emit("contact.updated", contact)

    token = visitor_token_issue(
        contact_id=contact.pk, widget_id=widget.pk, token_version=contact.token_version
    )
    return contact, token


# What a contact.updated event is about: the fields the host app and its CRM care for.
CONTACT_EVENT_FIELDS = ("external_id", "identified", "name", "email", "phone", "attributes")


def _contact_snapshot(contact: Contact) -> dict:
    return {name: getattr(contact, name) for name in CONTACT_EVENT_FIELDS}


def _contact_identified(*, widget, identity: Any) -> tuple[Contact, bool]:
    if not isinstance(identity, dict):
        raise errors.InvalidInput(_("identity must be an object."))
    external_id = _clean_text(
        identity.get("external_id"), field="identity.external_id", max_chars=191
    )
    claimed_hash = identity.get("hash")
    if not external_id or not isinstance(claimed_hash, str):
        raise errors.IdentityInvalid(_("identity needs external_id and hash."))
    if not identity_hash_is_valid(
        secret=widget.secret, external_id=external_id, claimed_hash=claimed_hash
    ):
        raise errors.IdentityInvalid(_("The identity hash does not match this user id."))
    try:
        with transaction.atomic():
            contact, created = Contact.objects.get_or_create(
                widget=widget, external_id=external_id, defaults={"identified": True}
            )
    except IntegrityError:  # two first sessions of the same user at once
        contact, created = Contact.objects.get(widget=widget, external_id=external_id), False
    if not contact.identified:
        contact.identified = True
    return contact, created


def _contact_merge(*, source: Contact, target: Contact) -> None:
    Conversation.objects.filter(contact=source).update(contact=target)
    for field in ("name", "email", "phone"):
        if not getattr(target, field) and getattr(source, field):
            setattr(target, field, getattr(source, field))
    target.attributes = {**source.attributes, **target.attributes}
    source.delete()


def contact_upsert(
    *,
    widget,
    external_id: Any,
    name: Any = None,
    email: Any = None,
    phone: Any = None,
    attributes: Any = None,
    locale: Any = None,
    create: bool = True,
) -> tuple[Contact, bool]:
    """The host app's server creates or updates one of its users as a contact (REST API).

    The server vouches for the user id, so the contact counts as identified. Fields left None
    keep their value; attributes merge into the stored ones. Returns (contact, created); with
    create=False a missing contact is NotFound.
    """
    external_id = _clean_text(external_id, field="external_id", max_chars=191)
    if not external_id:
        raise errors.InvalidInput("external_id is required.")
    values = {}
    for field, value, limit in (("name", name, 191), ("email", email, 254), ("phone", phone, 64)):
        if value is not None:
            values[field] = _clean_text(value, field=field, max_chars=limit)
    if values.get("email"):
        try:
            validate_email(values["email"])
        except ValidationError:
            raise errors.InvalidInput("email is not an email address.") from None
    if locale is not None:
        values["locale"] = _clean_text(locale, field="locale", max_chars=16)
    attributes = _clean_attributes(attributes)
    with transaction.atomic():
        contact = (
            Contact.objects.select_for_update()
            .filter(widget=widget, external_id=external_id)
            .first()
        )
        created = contact is None
        if created:
            if not create:
                raise errors.NotFound("No contact has this external id.", code="contact_not_found")
            try:
                with transaction.atomic():
                    contact = Contact.objects.create(
                        widget=widget, external_id=external_id, identified=True
                    )
            except IntegrityError:  # created at the same moment by a widget session
                contact = Contact.objects.select_for_update().get(
                    widget=widget, external_id=external_id
                )
                created = False
        before = {} if created else _contact_snapshot(contact)
        for field, value in values.items():
            setattr(contact, field, value)
        if attributes:
            contact.attributes = {**contact.attributes, **attributes}
        contact.identified = True
        contact.search_text = contact.search_words()
        contact.save()
        if _contact_snapshot(contact) != before:
            events.event_emit("contact.updated", contact)
    return contact, created


CONTACT_TOUCH_EVERY = timedelta(seconds=60)


def contact_touch(*, contact_id: int, now=None) -> None:
    """The visitor's widget is alive (at most one write a minute): emails wait while it is."""
    now = now or timezone.now()
    Contact.objects.filter(pk=contact_id).filter(
        Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=now - CONTACT_TOUCH_EVERY)
    ).update(last_seen_at=now)


def visitor_session_revoke(*, contact: Contact) -> None:
    """Log the visitor out everywhere: every token issued so far stops working."""
    Contact.objects.filter(pk=contact.pk).update(token_version=F("token_version") + 1)


def conversation_create(
    *,
    contact: Contact,
    topic_slug: Any = None,
    priority_hint: Any = None,
    first_text: str = "",
    with_bot: bool = False,
) -> Conversation:
    """Open a conversation for a visitor: with the greeting bot, or straight into the queue."""
    topic = None
    if topic_slug not in (None, ""):
        if not isinstance(topic_slug, str):
            raise errors.InvalidInput(_("topic must be a topic slug."))
        topic = Topic.objects.filter(slug=topic_slug, is_active=True).first()
        if topic is None:
            raise errors.InvalidInput(_("No such topic."), code="topic_not_found")
    if priority_hint not in (None, "", "urgent"):
        raise errors.InvalidInput(_('priority_hint may only be "urgent".'))
    now = timezone.now()
    priority = routing.initial_priority(
        topic=topic,
        urgent_requested=priority_hint == "urgent",
        text=first_text,
        rules=_active_priority_rules(),
    )
    with transaction.atomic():
        conversation = Conversation.objects.create(
            contact=contact,
            status=Status.BOT if with_bot else Status.QUEUED,
            topic=topic,
            team=topic.team if topic else None,
            priority=priority,
            last_message_at=now,
        )
        if with_bot:
            transaction.on_commit(
                lambda: realtime.conversation_updated(conversation_id=conversation.pk), robust=True
            )
        else:
            _conversation_enter_queue(conversation=conversation, now=now)
        events.event_emit("conversation.created", conversation)
    return conversation


def conversation_hand_off(*, conversation: Conversation, topic_slug: str = "") -> Conversation:
    """From the bot to a person: route by the topic (if picked) and join the queue."""
    topic = None
    if topic_slug:
        topic = Topic.objects.select_related("team").filter(slug=topic_slug, is_active=True).first()
        if topic is None:
            raise errors.InvalidInput(_("No such topic."), code="topic_not_found")
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.status != Status.BOT:
            return locked
        fields = ["status"]
        if topic is not None:
            locked.topic, locked.team = topic, topic.team
            locked.priority = routing.priority_max(locked.priority, topic.default_priority)
            fields += ["topic", "team", "priority"]
        fields += conversation_transition(
            conversation=locked, to=Status.QUEUED, by=None, reason="handed_off", save=False
        )
        locked.save(update_fields=fields)
        _conversation_enter_queue(conversation=locked, now=timezone.now())
    return locked


def conversation_resolve_by_bot(*, conversation: Conversation) -> Conversation:
    """The visitor said a help article solved it: resolved with no person (deflected)."""
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.status != Status.BOT:
            return locked
        locked.resolved_by_bot = True
        locked.save(update_fields=["resolved_by_bot"])
        locked, _changed = _conversation_move(
            conversation=locked, status=Status.RESOLVED, reason="resolved_by_bot"
        )
    return locked


def conversation_count_bot_turn(*, conversation: Conversation) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(bot_turns=F("bot_turns") + 1)
    conversation.bot_turns += 1


# Read for every visitor message: kept per process for a few seconds (process_cache).
_priority_rules_active = ProcessCache(
    lambda: list(PriorityRule.objects.filter(is_active=True).values_list("keyword", "priority")),
    models=(PriorityRule,),
)


def _active_priority_rules() -> list[tuple[str, str]]:
    return _priority_rules_active.get()


def _response_target(priority: str) -> ResponseTarget | None:
    return ResponseTarget.objects.filter(priority=priority).first()


def _conversation_enter_queue(*, conversation: Conversation, now) -> None:
    """Stamp the queue time and response targets, then hand it out if someone is free."""
    target = _response_target(conversation.priority)
    first_due, resolution_due = routing.due_times(
        start=now,
        first_response_seconds=target.first_response_seconds if target else None,
        resolution_seconds=target.resolution_seconds if target else None,
    )
    conversation.queued_at = now
    fields = ["queued_at"]
    if conversation.first_response_at is None:
        conversation.first_response_due_at = first_due
        fields.append("first_response_due_at")
    if conversation.resolution_due_at is None:
        conversation.resolution_due_at = resolution_due
        fields.append("resolution_due_at")
    conversation.save(update_fields=fields)
    if not _assign_to_best_agent(conversation=conversation):
        transaction.on_commit(
            lambda: realtime.conversation_updated(conversation_id=conversation.pk), robust=True
        )
        _publish_queue_moved(team_id=conversation.team_id)


def _assign_to_best_agent(*, conversation: Conversation) -> bool:
    candidate = routing.choose_agent(
        selectors.agent_candidates(team_id=conversation.team_id, lock=True)
    )
    if candidate is None:
        return False
    _conversation_give(conversation=conversation, user_id=candidate.user_id)
    return True


def _conversation_give(*, conversation: Conversation, user_id: int, by_user=None) -> None:
    """Assign and open. The caller holds the transaction (and any locks it needs)."""
    now = timezone.now()
    conversation.assignee_id = user_id
    fields = ["assignee"]
    if conversation.status in (Status.QUEUED, Status.BOT):
        fields += conversation_transition(
            conversation=conversation, to=Status.OPEN, by=by_user, reason="assigned", save=False
        )
    conversation.save(update_fields=fields)
    AgentProfile.objects.filter(user_id=user_id).update(last_assigned_at=now)
    transaction.on_commit(
        lambda: realtime.conversation_updated(conversation_id=conversation.pk), robust=True
    )
    _publish_queue_moved(team_id=conversation.team_id)


def _publish_queue_moved(*, team_id: int | None) -> None:
    transaction.on_commit(lambda: realtime.queue_moved(team_id=team_id), robust=True)


def queue_drain(*, team_ids: list[int | None], max_assignments: int = 100) -> int:
    """Hand waiting conversations to agents with free capacity, head of each queue first."""
    assigned = 0
    for team_id in team_ids:
        while assigned < max_assignments:
            with transaction.atomic():
                head = (
                    selectors.queue_for_team(team_id=team_id)
                    .select_for_update(skip_locked=True, of=("self",))
                    .first()
                )
                if head is None or not _assign_to_best_agent(conversation=head):
                    break
            assigned += 1
    return assigned


def _agent_team_ids(user_id: int) -> list[int | None]:
    return [
        *AgentProfile.teams.through.objects.filter(agentprofile__user_id=user_id).values_list(
            "team_id", flat=True
        ),
        None,
    ]


def conversation_assign(*, conversation: Conversation, to_user, by_user) -> Conversation:
    """Assign by hand (take, or give to a colleague). Capacity is the agent's own call here."""
    profile = selectors.agent_profile_for_user(to_user)
    if profile is None:
        raise errors.InvalidInput(_("Conversations can only be assigned to agents."))
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.status == Status.RESOLVED:
            raise errors.Conflict(
                _("Reopen the conversation before assigning it."), code="resolved"
            )
        previous = locked.assignee_id
        if previous == to_user.pk:
            return locked
        _conversation_give(conversation=locked, user_id=to_user.pk, by_user=by_user)
        _audit_conversation(
            by_user,
            AuditEvent.Action.CONVERSATION_ASSIGNED,
            locked,
            {"from": previous, "to": to_user.pk},
        )
        if by_user.pk != to_user.pk:
            with translation.override(contact_language(locked.contact)):
                body = _("%(by)s assigned this conversation to %(to)s.") % {
                    "by": _agent_name(by_user),
                    "to": profile.name,
                }
            chat_services.message_send(conversation=locked, sender_type="system", body=body)
        if previous:
            queue_drain(team_ids=_agent_team_ids(previous))
    return locked


def conversation_unassign(*, conversation: Conversation, by_user) -> Conversation:
    """Put it back in its team's queue, at the back of its priority."""
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.status == Status.RESOLVED or locked.assignee_id is None:
            return locked
        previous = locked.assignee_id
        locked.assignee_id = None
        fields = ["assignee"]
        fields += conversation_transition(
            conversation=locked, to=Status.QUEUED, by=by_user, reason="unassigned", save=False
        )
        locked.save(update_fields=fields)
        _audit_conversation(
            by_user, AuditEvent.Action.CONVERSATION_ASSIGNED, locked, {"from": previous, "to": None}
        )
        _conversation_enter_queue(conversation=locked, now=timezone.now())
    queue_drain(team_ids=_agent_team_ids(previous))
    return locked


def conversation_transfer(
    *, conversation: Conversation, by_user, topic_slug: str = "", team_id: Any = None
) -> Conversation:
    """Move to another topic (and its team) or another team; it queues there afresh."""
    topic = team = None
    if topic_slug:
        topic = Topic.objects.select_related("team").filter(slug=topic_slug).first()
        if topic is None:
            raise errors.InvalidInput(_("No such topic."), code="topic_not_found")
        team = topic.team
    elif team_id not in (None, ""):
        team = Team.objects.filter(pk=team_id).first()
        if team is None:
            raise errors.InvalidInput(_("No such team."), code="team_not_found")
    else:
        raise errors.InvalidInput(_("Pick a topic or a team."))
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.status == Status.RESOLVED:
            raise errors.Conflict(_("Reopen the conversation before moving it."), code="resolved")
        previous = locked.assignee_id
        if topic is not None:
            locked.topic = topic
        locked.team = team
        keeps_agent = previous is not None and (
            team is None or AgentProfile.objects.filter(user_id=previous, teams=team).exists()
        )
        fields = ["topic", "team"]
        if not keeps_agent:
            locked.assignee_id = None
            fields.append("assignee")
            fields += conversation_transition(
                conversation=locked, to=Status.QUEUED, by=by_user, reason="transferred", save=False
            )
        locked.save(update_fields=fields)
        _audit_conversation(
            by_user,
            AuditEvent.Action.CONVERSATION_TRANSFERRED,
            locked,
            {"topic": topic.slug if topic else None, "team": team.pk if team else None},
        )
        language = contact_language(locked.contact)
        where = topic.name_for(language) if topic else team.name_for(language)
        with translation.override(language):
            body = _("%(by)s moved this conversation to %(where)s.") % {
                "by": _agent_name(by_user),
                "where": where,
            }
        chat_services.message_send(conversation=locked, sender_type="system", body=body)
        if keeps_agent:
            transaction.on_commit(
                lambda: realtime.conversation_updated(conversation_id=locked.pk), robust=True
            )
        else:
            _conversation_enter_queue(conversation=locked, now=timezone.now())
    if previous and not keeps_agent:
        queue_drain(team_ids=_agent_team_ids(previous))
    return locked


def conversation_set_priority(
    *, conversation: Conversation, priority: Any, by_user=None
) -> Conversation:
    if priority not in Conversation.Priority.values:
        raise errors.InvalidInput(_("Unknown priority."), code="invalid_priority")
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.priority == priority:
            return locked
        _audit_conversation(
            by_user,
            AuditEvent.Action.CONVERSATION_PRIORITY_CHANGED,
            locked,
            {"from": locked.priority, "to": priority},
        )
        locked.priority = priority
        fields = ["priority"]
        target = _response_target(priority)
        if target and locked.first_response_at is None and locked.queued_at:
            locked.first_response_due_at, _unused = routing.due_times(
                start=locked.queued_at,
                first_response_seconds=target.first_response_seconds,
                resolution_seconds=None,
            )
            fields.append("first_response_due_at")
        locked.save(update_fields=fields)
        transaction.on_commit(
            lambda: realtime.conversation_updated(conversation_id=locked.pk), robust=True
        )
        if locked.status == Status.QUEUED:
            _publish_queue_moved(team_id=locked.team_id)
    return locked


def _agent_name(user) -> str:
    profile = selectors.agent_profile_for_user(user)
    return profile.name if profile else user.get_username()


def agent_set_presence(*, profile: AgentProfile, presence: Any) -> AgentProfile:
    if presence not in AgentProfile.Presence.values:
        raise errors.InvalidInput(_("Unknown presence."), code="invalid_presence")
    AgentProfile.objects.filter(pk=profile.pk).update(
        presence=presence, last_seen_at=timezone.now()
    )
    profile.presence = presence
    team_ids = _agent_team_ids(profile.user_id)
    if presence == AgentProfile.Presence.ONLINE:
        queue_drain(team_ids=team_ids)
    # Whether anyone can answer may have changed for those still waiting in these queues:
    # their conversation.updated carries the new email_offer (the form comes or goes).
    for team_id in team_ids:
        _publish_queue_moved(team_id=team_id)
    return profile


def agent_set_language(*, profile: AgentProfile, language: Any) -> AgentProfile:
    """The console's language for this agent; "" follows the browser's (support.languages)."""
    if language != "" and language not in {code for code, _name in settings.LANGUAGES}:
        raise errors.InvalidInput(_("Unknown language."), code="invalid_language")
    profile.language = language
    profile.save(update_fields=["language"])
    return profile


def agent_console_closed(*, profile: AgentProfile) -> None:
    """A console socket closed: the agent counts as gone now, not when the heartbeat goes
    stale a minute later, so no chat is assigned to them or promised in their name meanwhile.
    Their consoles still open (other tabs) are asked for a heartbeat and keep them online."""
    AgentProfile.objects.filter(pk=profile.pk).update(
        last_seen_at=timezone.now() - routing.PRESENCE_TIMEOUT
    )
    transaction.on_commit(
        lambda: realtime.console_heartbeat_request(user_id=profile.user_id), robust=True
    )


def agent_heartbeat(*, profile: AgentProfile) -> None:
    """The console is alive. An agent coming back from stale may take waiting chats at once."""
    now = timezone.now()
    was_stale = (
        AgentProfile.objects.filter(pk=profile.pk)
        .exclude(last_seen_at__gte=now - routing.PRESENCE_TIMEOUT)
        .update(last_seen_at=now)
    )
    if not was_stale:
        AgentProfile.objects.filter(pk=profile.pk).update(last_seen_at=now)
    if was_stale and profile.presence == AgentProfile.Presence.ONLINE:
        queue_drain(team_ids=_agent_team_ids(profile.user_id))


def conversation_transition(
    *, conversation: Conversation, to: str, by, reason: str, save: bool = True
) -> list[str]:
    """The only place a conversation's status is written.

    The move must be in STATUS_TRANSITIONS, else IllegalTransition and nothing is written.
    Each move leaves one audit record: `by` is the agent (or user) who made it, None for the
    system or the visitor (named "system", as audit records name jobs); `reason` says which
    path moved it. Resolving stamps the resolution figures, leaving resolved clears them.
    The caller holds the row lock in its transaction and sends the events after commit.
    Returns the changed fields ([] when already there); save=False leaves saving them to the
    caller, together with its own fields in one UPDATE.
    """
    if to not in STATUS_TRANSITIONS:
        raise errors.InvalidInput(f"Unknown status {to!r}.")
    previous = conversation.status
    if previous == to:
        return []
    if to not in STATUS_TRANSITIONS[previous]:
        raise errors.IllegalTransition(
            _("A conversation cannot go from %(from)s to %(to)s.") % {"from": previous, "to": to}
        )
    audit_record(
        actor=by,
        action=AuditEvent.Action.CONVERSATION_STATUS_CHANGED,
        contact_id=conversation.contact_id,
        conversation_id=conversation.pk,
        detail={"from": previous, "to": to, "reason": reason},
    )
    conversation.status = to
    fields = ["status"]
    if to == Status.RESOLVED:
        fields += _stamp_resolution(conversation=conversation, at=timezone.now())
    elif conversation.resolved_at is not None:
        fields += _stamp_resolution(conversation=conversation, at=None)
    if save:
        conversation.save(update_fields=fields)
    return fields


def conversation_set_status(
    *, conversation: Conversation, status: str, by_user=None, reason: str = "set"
) -> Conversation:
    """Move a conversation along the pipeline, or raise IllegalTransition."""
    conversation, _changed = _conversation_move(
        conversation=conversation, status=status, by_user=by_user, reason=reason
    )
    return conversation


def _conversation_move(
    *, conversation: Conversation, status: str, reason: str, by_user=None
) -> tuple[Conversation, bool]:
    """Lock, move through the gate, then tell the consoles and hand the agent more work."""
    if status not in STATUS_TRANSITIONS:
        raise errors.InvalidInput(f"Unknown status {status!r}.")
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        previous_status = locked.status
        if not conversation_transition(conversation=locked, to=status, by=by_user, reason=reason):
            return locked, False
        transaction.on_commit(
            lambda: realtime.conversation_updated(conversation_id=locked.pk), robust=True
        )
        if status == Status.RESOLVED:
            events.event_emit("conversation.resolved", locked)
        if previous_status == Status.OPEN and locked.assignee_id:
            # The agent has room for one more: give them the head of their queues.
            queue_drain(team_ids=_agent_team_ids(locked.assignee_id))
    return locked, True


def conversation_resolve(*, conversation: Conversation, agent) -> Conversation:
    """Resolve and say so in the thread; resolving a resolved conversation changes nothing."""
    with transaction.atomic():
        conversation, changed = _conversation_move(
            conversation=conversation, status=Status.RESOLVED, by_user=agent, reason="resolved"
        )
        if changed:
            with translation.override(contact_language(conversation.contact)):
                body = _("%(name)s marked this conversation as resolved.") % {
                    "name": selectors.agent_profile_for_user(agent) or agent.get_username()
                }
            chat_services.message_send(conversation=conversation, sender_type="system", body=body)
            # A person resolved it: ask the visitor for a rating a little later (once).
            rating_services.rating_prompt_enqueue(conversation=conversation)
            # The visitor asked for the transcript by email when they left their address.
            email_services.transcript_enqueue_if_requested(conversation=conversation)
    return conversation


def conversation_reopen(*, conversation: Conversation, by_agent=None) -> Conversation:
    """Reopen a resolved conversation: agents any time, visitors within the reopen window."""
    if conversation.status != Status.RESOLVED:
        raise errors.Conflict(_("The conversation is not resolved."), code="not_resolved")
    reopen_until = conversation.reopen_until
    if by_agent is None and reopen_until is not None and reopen_until < timezone.now():
        raise errors.Conflict(
            _("This conversation can no longer be reopened; start a new one."),
            code="reopen_window_passed",
        )
    target = Status.OPEN if conversation.assignee_id else Status.QUEUED
    with transaction.atomic():
        conversation = conversation_set_status(
            conversation=conversation, status=target, by_user=by_agent, reason="reopened"
        )
        if conversation.status == Status.QUEUED:
            _conversation_enter_queue(conversation=conversation, now=timezone.now())
    return conversation


def _read_mark_move(
    *, conversation_id: int, side: str, up_to: int
) -> tuple[int, int | None, int | None] | None:
    """One statement: the mark moves to min(up_to, the newest message id) when that is ahead
    of it, and the unread count drops by the other side's messages it passes over. A
    decrement, not a recount: a message arriving meanwhile (its increment, under the row lock)
    is kept. Returns the new mark with the conversation's team and assignee ids (where its
    inbox rows show, for the publish), or None when it did not move.

    Raw SQL because it runs for every message a client shows, and the ORM version (a look-up,
    then an UPDATE with a correlated Subquery, Greatest and Coalesce) cost ~3 ms of query
    compilation per call here; identifiers come from the models, every value is a parameter.
    """
    connection = connections[router.db_for_write(Conversation)]
    quote = connection.ops.quote_name
    mark, count = quote(f"{side}_last_read_id"), quote(f"{side}_unread_count")
    senders = UNREAD_FOR[side]
    least, greatest = ("LEAST", "GREATEST") if connection.vendor == "postgresql" else ("MIN", "MAX")
    messages, conversations = quote(Message._meta.db_table), quote(Conversation._meta.db_table)
    team, assignee = (
        quote(Conversation._meta.get_field(name).column) for name in ("team", "assignee")
    )
    sql = (
        f"UPDATE {conversations} AS c SET {mark} = m.up_to, "  # noqa: S608
        f"{count} = {greatest}(c.{count} - (SELECT COUNT(*) FROM {messages} AS x "
        f"WHERE x.conversation_id = c.id AND x.sender_type IN ({', '.join(['%s'] * len(senders))}) "
        f"AND x.id > c.{mark} AND x.id <= m.up_to), 0) "
        f"FROM (SELECT {least}(%s, COALESCE(MAX(id), 0)) AS up_to FROM {messages} "
        f"WHERE conversation_id = %s) AS m "
        f"WHERE c.id = %s AND c.{mark} < m.up_to RETURNING {mark}, {team}, {assignee}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*senders, up_to, conversation_id, conversation_id])
        row = cursor.fetchone()
    return tuple(row) if row else None


def conversation_mark_read(*, conversation: Conversation, side: str, up_to: Any) -> int | None:
    """Record that one side has read up to a message id. Returns the new mark or None.

    Marks only move forward, and never past the conversation's newest message.
    """
    if side not in ("visitor", "agent"):
        raise errors.InvalidInput(_("side must be visitor or agent."))
    if not isinstance(up_to, int) or isinstance(up_to, bool) or up_to < 0:
        raise errors.InvalidInput(_("up_to must be a message id."))
    # No message id is larger than a BIGINT (and SQLite refuses larger numbers).
    up_to = min(up_to, 2**63 - 1)
    moved = _read_mark_move(conversation_id=conversation.pk, side=side, up_to=up_to)
    if moved is None:
        return None
    up_to, team_id, assignee_id = moved
    setattr(conversation, f"{side}_last_read_id", up_to)
    contact_id = conversation.contact_id
    transaction.on_commit(
        lambda: realtime.read_marked(
            conversation_id=conversation.pk,
            contact_id=contact_id,
            reader=side,
            up_to=up_to,
            team_id=team_id,
            assignee_id=assignee_id,
        ),
        robust=True,
    )
    return up_to


def _durations_since(*, conversation: Conversation, start, end) -> tuple[int, int]:
    """(wall-clock seconds, seconds while the conversation's team was open) of [start, end)."""
    # The team as message_send's lock filled it in (per-process copy), or one query.
    team = conversation.team if conversation.team_id else None
    wall = max(0, round((end - start).total_seconds()))
    return wall, hours.team_open_seconds(team=team, start=start, end=end)


def _stamp_first_response(*, conversation: Conversation, at) -> list[str]:
    """First agent reply: the clock runs from entering the queue (else from creation)."""
    start = conversation.queued_at or conversation.created_at
    if start > at:
        start = conversation.created_at
    conversation.first_response_at = at
    (
        conversation.first_response_seconds,
        conversation.first_response_business_seconds,
    ) = _durations_since(conversation=conversation, start=start, end=at)
    return ["first_response_at", "first_response_seconds", "first_response_business_seconds"]


def _stamp_resolution(*, conversation: Conversation, at) -> list[str]:
    """Resolved at `at` (from creation); `at=None` (reopened) clears the figures."""
    if at is None and conversation.resolved_at is not None:
        # Reopened: the resolution that ended keeps its rating; the next one may be rated.
        rating_services.rating_current_end(conversation=conversation)
    conversation.resolved_at = at
    if at is None:
        conversation.resolution_seconds = conversation.resolution_business_seconds = None
    else:
        (
            conversation.resolution_seconds,
            conversation.resolution_business_seconds,
        ) = _durations_since(conversation=conversation, start=conversation.created_at, end=at)
    return ["resolved_at", "resolution_seconds", "resolution_business_seconds"]


def conversation_record_message(
    *, conversation: Conversation, message, preview: str | None = None, pressed: bool = False
) -> list[str]:
    """Fold a new message into its conversation's state. Called by chat.services only.

    `preview` replaces the body in the inbox and history (a message of files only). The
    preview is what a person wrote: never a bot or system line, nor a bot button's label the
    visitor pressed (`pressed`).
    Returns the changed fields, so the caller knows whether to publish an update.
    """
    now = message.created_at
    conversation.last_message_at = now
    fields = ["last_message_at"]
    sender = message.sender_type
    if sender == "agent" or (sender == "visitor" and not pressed):
        conversation.last_message_preview = (message.body or preview or "")[:140]
        conversation.last_message_preview_by_agent = sender == "agent"
        fields += ["last_message_preview", "last_message_preview_by_agent"]
    if sender == "agent":
        if conversation.first_response_at is None:
            fields += _stamp_first_response(conversation=conversation, at=now)
        if conversation.assignee_id is None:
            conversation.assignee = message.sender_agent
            fields.append("assignee")
        if conversation.status in (Status.QUEUED, Status.PENDING, Status.RESOLVED):
            # An agent's reply opens it; a resolved one is reopened (and audited as such).
            fields += conversation_transition(
                conversation=conversation,
                to=Status.OPEN,
                by=message.sender_agent,
                reason="agent_reply",
                save=False,
            )
        conversation.agent_last_read_id = message.pk
        conversation.agent_unread_count = 0
        conversation.visitor_unread_count += 1
        fields += ["agent_last_read_id", "agent_unread_count", "visitor_unread_count"]
    elif sender == "visitor":
        raised = routing.keyword_priority(
            text=message.body, rules=_active_priority_rules(), floor=conversation.priority
        )
        if raised != conversation.priority:
            conversation.priority = raised
            fields.append("priority")
        if conversation.status == Status.PENDING:
            fields += conversation_transition(
                conversation=conversation,
                to=Status.OPEN,
                by=None,
                reason="visitor_reply",
                save=False,
            )
        conversation.visitor_last_read_id = message.pk
        conversation.visitor_unread_count = 0
        conversation.agent_unread_count += 1
        fields += ["visitor_last_read_id", "visitor_unread_count", "agent_unread_count"]
    elif sender == "bot":
        conversation.visitor_unread_count += 1
        fields.append("visitor_unread_count")
    # save(update_fields=fields) without compiling its UPDATE for every message.
    fields_save(instance=conversation, fields=fields)
    return fields


def contact_update(*, contact: Contact, by_user, name: Any, email: Any) -> Contact:
    """An agent corrects a contact's name or email. Each changed field is logged
    (ContactChange: who, when, old → new); bad values raise ValidationError per field."""
    problems = {}
    if not isinstance(name, str):
        problems["name"] = _("Enter a name.")
    if not isinstance(email, str):
        problems["email"] = _("Enter an email address.")
    if problems:
        raise ValidationError(problems)
    name, email = " ".join(name.split()), email.strip()
    if len(name) > Contact._meta.get_field("name").max_length:
        problems["name"] = _("The name is too long.")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems["email"] = _("Enter a valid email address, like name@example.com.")
        if len(email) > Contact._meta.get_field("email").max_length:
            problems["email"] = _("The email address is too long.")
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        changes = []
        for field, value in (("name", name), ("email", email)):
            old = getattr(locked, field)
            if old != value:
                changes.append(
                    ContactChange(
                        contact=locked,
                        changed_by=by_user,
                        field=field,
                        old_value=old,
                        new_value=value,
                    )
                )
                setattr(locked, field, value)
        if changes:
            locked.search_text = locked.search_words()
            locked.save(update_fields=["name", "email", "search_text"])
            ContactChange.objects.bulk_create(changes)
            events.event_emit("contact.updated", locked)
    return locked


# --- Security: shared rate-limit counters, login lockout, audit log ---------------------------


def widget_session_rate_check(*, ip_address: str | None) -> None:
    """Widget session creation per client address; RateLimited (429) past the limit."""
    if not ip_address:
        return
    rate_limit_enforce(
        key=f"widget-session:{ip_address}",
        limit=settings.DESTEK["SESSION_RATE_LIMIT"],
        window_seconds=settings.DESTEK["SESSION_RATE_WINDOW_SECONDS"],
        detail=_("Too many sessions from this address; try again in a minute."),
    )


def _login_key(*, username: str, ip_address: str | None) -> str:
    return f"login:{(username or '').strip().lower()[:150]}:{ip_address or '-'}"


def _login_limits(*, username: str, ip_address: str | None) -> dict[str, int]:
    """The counters a sign-in attempt is held to, with their limits: one per username and
    address, and one per address across usernames, so an address that tries many usernames is
    stopped too (no known address, no such counter). A limit of 0 turns its counter off."""
    limits = {_login_key(username=username, ip_address=ip_address): "LOGIN_MAX_FAILURES"}
    if ip_address:
        limits[f"login-address:{ip_address}"] = "LOGIN_ADDRESS_MAX_FAILURES"
    return {key: settings.DESTEK[name] for key, name in limits.items() if settings.DESTEK[name]}


def login_lockout_remaining(*, username: str, ip_address: str | None, now=None) -> int:
    """Seconds this username may not sign in from this address (0 = not locked): the
    username's own lock or the whole address's, whichever ends later."""
    limits = _login_limits(username=username, ip_address=ip_address)
    if not limits:
        return 0
    now = now or timezone.now()
    window = timedelta(seconds=settings.DESTEK["LOGIN_LOCKOUT_SECONDS"])
    remaining = 0
    for bucket in RateLimitBucket.objects.filter(key__in=limits).only(
        "key", "window_started_at", "hits"
    ):
        if bucket.hits >= limits[bucket.key] and bucket.window_started_at > now - window:
            seconds = int((bucket.window_started_at + window - now).total_seconds())
            remaining = max(remaining, seconds, 1)
    return remaining


def login_failure_record(*, username: str, ip_address: str | None, now=None) -> bool:
    """One failed sign-in; True when it locks the username or the whole address (each lock
    audited once)."""
    locked = False
    window_seconds = settings.DESTEK["LOGIN_LOCKOUT_SECONDS"]
    for key, limit in _login_limits(username=username, ip_address=ip_address).items():
        rate_limit_hit(key=key, limit=limit, window_seconds=window_seconds, now=now)
        hits = RateLimitBucket.objects.filter(key=key).values_list("hits", flat=True).first()
        if hits != limit:
            continue
        locked = True
        detail = {"username": (username or "")[:150], "failures": hits}
        if key.startswith("login-address:"):
            detail["every_username"] = True
        audit_record(
            actor=None, action=AuditEvent.Action.LOGIN_LOCKED, ip_address=ip_address, detail=detail
        )
    return locked


def login_failures_clear(*, username: str, ip_address: str | None) -> None:
    """A successful sign-in forgets this username's failures from this address. The address's
    count across usernames stays: signing in to one's own account must not reset it."""
    RateLimitBucket.objects.filter(
        key=_login_key(username=username, ip_address=ip_address)
    ).delete()


def _audit_conversation(by_user, action: str, conversation: Conversation, detail: dict) -> None:
    """An agent's change to a conversation (automatic assignments are not audited: the
    conversation's own timestamps and system messages tell those). Status moves, automatic
    ones included, are audited by conversation_transition."""
    if by_user is not None:
        audit_record(
            actor=by_user,
            action=action,
            contact_id=conversation.contact_id,
            conversation_id=conversation.pk,
            detail=detail,
        )


def audit_record(
    *,
    actor,
    action: str,
    contact_id: int | None = None,
    conversation_id: int | None = None,
    ip_address: str | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Append one line to the audit log (never changed or deleted by the application)."""
    if action not in AuditEvent.Action.values:
        raise errors.InvalidInput(f"Unknown audit action {action!r}.")
    name = "system"
    if actor is not None:
        profile = selectors.agent_profile_for_user(actor)
        name = profile.name if profile else actor.get_username()
    return AuditEvent.objects.create(
        actor=actor if actor is not None else None,
        actor_name=name[:191],
        action=action,
        contact_ref=contact_id,
        conversation_ref=conversation_id,
        ip_address=ip_address or None,
        detail=detail or {},
    )


# Canned replies ------------------------------------------------------------------------------

CANNED_SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
CANNED_TITLE_MAX_CHARS = 120


def _canned_fields(*, title: Any, shortcut: Any, body_en: Any, body_tr: Any) -> dict[str, str]:
    title = title.strip() if isinstance(title, str) else ""
    shortcut = shortcut.strip().lstrip("/").lower() if isinstance(shortcut, str) else ""
    body_en = body_en.strip() if isinstance(body_en, str) else ""
    body_tr = body_tr.strip() if isinstance(body_tr, str) else ""
    if not title or len(title) > CANNED_TITLE_MAX_CHARS:
        raise errors.InvalidInput(
            _("A title of 1 to %(max)s characters is required.") % {"max": CANNED_TITLE_MAX_CHARS},
            code="invalid_title",
        )
    if not CANNED_SHORTCUT.match(shortcut):
        raise errors.InvalidInput(
            _("A shortcut is 1 to 40 lower-case letters, digits, - or _, e.g. refund-steps."),
            code="invalid_shortcut",
        )
    if not body_en:
        raise errors.InvalidInput(_("The English text is required."), code="empty_body")
    limit = settings.DESTEK["MESSAGE_MAX_CHARS"]
    if len(body_en) > limit or len(body_tr) > limit:
        raise errors.InvalidInput(
            _("A text is at most %(max)s characters.") % {"max": limit}, code="body_too_long"
        )
    return {"title": title, "shortcut": shortcut, "body_en": body_en, "body_tr": body_tr}


def _canned_save(canned: CannedResponse) -> CannedResponse:
    try:
        with transaction.atomic():
            canned.save()
    except IntegrityError:
        raise errors.Conflict(
            _("The shortcut /%(shortcut)s is already used here.") % {"shortcut": canned.shortcut},
            code="shortcut_taken",
        ) from None
    return canned


def canned_response_create(
    *,
    by: AgentProfile,
    title: Any,
    shortcut: Any,
    body_en: Any,
    body_tr: Any = "",
    team_id: Any = None,
) -> CannedResponse:
    """A personal reply of `by`, or with team_id a team's reply (supervisors only)."""
    fields = _canned_fields(title=title, shortcut=shortcut, body_en=body_en, body_tr=body_tr)
    canned = CannedResponse(**fields)
    if team_id in (None, ""):
        canned.owner_id = by.user_id
    else:
        if not by.is_supervisor:
            raise errors.Forbidden(_("Only supervisors manage team replies."))
        team = Team.objects.filter(pk=int(team_id) if str(team_id).isdigit() else None).first()
        if team is None:
            raise errors.InvalidInput(_("No such team."), code="invalid_team")
        canned.team = team
    return _canned_save(canned)


def canned_response_update(
    *,
    canned: CannedResponse,
    by: AgentProfile,
    title: Any,
    shortcut: Any,
    body_en: Any,
    body_tr: Any = "",
) -> CannedResponse:
    if not selectors.canned_response_can_manage(profile=by, canned=canned):
        raise errors.Forbidden(_("You may not change this reply."))
    fields = _canned_fields(title=title, shortcut=shortcut, body_en=body_en, body_tr=body_tr)
    for name, value in fields.items():
        setattr(canned, name, value)
    return _canned_save(canned)


def canned_response_delete(*, canned: CannedResponse, by: AgentProfile) -> None:
    if not selectors.canned_response_can_manage(profile=by, canned=canned):
        raise errors.Forbidden(_("You may not delete this reply."))
    canned.delete()


# Internal notes ------------------------------------------------------------------------------

# "@ayse", "@ali.kaya": Django usernames (letters, digits, @ . + - _), not inside an address.
MENTION = re.compile(r"(?<![\w.@+-])@([\w.+-]+)")


def mention_usernames(text: str) -> list[str]:
    """The usernames a note mentions, in order, without repeats; a final "." is punctuation."""
    seen: dict[str, None] = {}
    for match in MENTION.finditer(text or ""):
        name = match.group(1).rstrip(".").lower()
        if name:
            seen.setdefault(name, None)
    return list(seen)


def note_create(*, conversation: Conversation, author: AgentProfile, body: Any) -> Note:
    """An internal note. Only consoles hear of it; mentioned agents who may see the
    conversation are told live (others are not: a mention never widens access)."""
    if not isinstance(body, str):
        raise errors.InvalidInput(_("The note must be text."), code="invalid_body")
    body = body.strip()
    if not body:
        raise errors.InvalidInput(_("The note is empty."), code="empty_note")
    limit = settings.DESTEK["MESSAGE_MAX_CHARS"]
    if len(body) > limit:
        raise errors.InvalidInput(
            _("The note is longer than %(max)s characters.") % {"max": limit},
            code="body_too_long",
        )
    mentioned = selectors.agent_list_who_may_see(
        conversation=conversation, usernames=mention_usernames(body)
    )
    with transaction.atomic():
        note = Note.objects.create(conversation=conversation, author=author.user, body=body)
        mentioned_ids = [p.user_id for p in mentioned if p.user_id != author.user_id]
        note.mentions.set(mentioned_ids)
        transaction.on_commit(lambda: realtime.note_created(note_id=note.pk), robust=True)
    note.mentioned_profiles = [p for p in mentioned if p.user_id in mentioned_ids]
    return note


def notes_delete_for_conversations(*, conversation_ids: list[int]) -> int:
    """Erasure (support.privacy): the internal notes of these conversations go entirely; a
    note is words about the person, with no figure that needs its row. Returns how many."""
    _total, per_model = Note.objects.filter(conversation_id__in=conversation_ids).delete()
    return per_model.get(Note._meta.label, 0)


# Labels ----------------------------------------------------------------------------------------


def conversation_label_add(*, conversation: Conversation, label_id: Any) -> Conversation:
    label = Label.objects.filter(pk=int(label_id) if str(label_id).isdigit() else None).first()
    if label is None:
        raise errors.InvalidInput(_("No such label."), code="invalid_label")
    with transaction.atomic():
        conversation.labels.add(label)
        transaction.on_commit(
            lambda: realtime.conversation_labels_changed(conversation_id=conversation.pk),
            robust=True,
        )
    return conversation


def conversation_label_remove(*, conversation: Conversation, label_id: Any) -> Conversation:
    if not str(label_id).isdigit():
        raise errors.InvalidInput(_("No such label."), code="invalid_label")
    with transaction.atomic():
        conversation.labels.remove(int(label_id))
        transaction.on_commit(
            lambda: realtime.conversation_labels_changed(conversation_id=conversation.pk),
            robust=True,
        )
    return conversation
