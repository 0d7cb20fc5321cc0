"""Test data builders: plain functions over the services, so test data obeys domain rules."""

import itertools

from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from support import services as support_services
from support.identity import identity_hash
from support.models import AgentProfile, Contact, Conversation, Message, Team, Topic, Widget

_seq = itertools.count(1)


def widget(
    *,
    key=None,
    secret="test-secret",  # noqa: S107
    allowed_origins=None,
    bot_enabled=False,
    greeting_en="",
    greeting_tr="",
) -> Widget:
    """A widget; without the greeting bot unless asked, so chats start in the queue."""
    return Widget.objects.create(
        key=key or f"w{next(_seq)}",
        name="Test widget",
        secret=secret,
        allowed_origins=allowed_origins or [],
        bot_enabled=bot_enabled,
        greeting_en=greeting_en,
        greeting_tr=greeting_tr,
    )


def team(*, name=None) -> Team:
    n = next(_seq)
    return Team.objects.create(name=name or f"Team {n}", slug=f"team-{n}")


def topic(
    *,
    slug=None,
    team=None,
    name_en=None,
    name_tr=None,
    description_en="",
    description_tr="",
    is_active=True,
    allow_urgent=False,
    default_priority="normal",
) -> Topic:
    slug = slug or f"topic-{next(_seq)}"
    return Topic.objects.create(
        slug=slug,
        name_en=name_en or slug.title(),
        name_tr=name_tr or slug.title(),
        description_en=description_en,
        description_tr=description_tr,
        team=team,
        is_active=is_active,
        allow_urgent=allow_urgent,
        default_priority=default_priority,
    )


def agent(
    *,
    username=None,
    role=AgentProfile.Role.AGENT,
    teams=(),
    display_name="",
    online=False,
    capacity=5,
) -> AgentProfile:
    """An agent; online=True also gives them a fresh console heartbeat (auto-assignment)."""
    user = get_user_model().objects.create_user(
        username=username or f"agent{next(_seq)}", password="pw-12345-test"
    )
    profile = AgentProfile.objects.create(
        user=user,
        role=role,
        display_name=display_name,
        capacity=capacity,
        presence=AgentProfile.Presence.ONLINE if online else AgentProfile.Presence.OFFLINE,
        last_seen_at=timezone.now() if online else None,
    )
    profile.teams.set(teams)
    return profile


def supervisor(**kwargs) -> AgentProfile:
    return agent(role=AgentProfile.Role.SUPERVISOR, **kwargs)


def visitor(*, widget_obj=None, external_id=None, **session_kwargs) -> tuple[Contact, str]:
    """A contact and its visitor token, through the real session service."""
    widget_obj = widget_obj or widget()
    identity = None
    if external_id:
        identity = {
            "external_id": external_id,
            "hash": identity_hash(secret=widget_obj.secret, external_id=external_id),
        }
    return support_services.widget_session_open(
        widget_key=widget_obj.key, identity=identity, **session_kwargs
    )


def conversation(*, contact=None, body="Hello, I need help", topic_slug=None) -> Conversation:
    contact = contact or visitor()[0]
    conv, _created = support_services.conversation_start(
        contact=contact, body=body, client_id=f"first-{next(_seq)}", topic_slug=topic_slug
    )
    return conv


def message(*, conversation, sender_type="visitor", body="hi", agent_user=None) -> Message:
    msg, _created = support_services.message_send(
        conversation=conversation,
        sender_type=sender_type,
        body=body,
        client_id=f"m-{next(_seq)}",
        agent=agent_user,
    )
    return msg


def identity(*, widget_obj, external_id) -> dict:
    """The signed identity the host app's server would send for one of its users."""
    return {
        "external_id": external_id,
        "hash": identity_hash(secret=widget_obj.secret, external_id=external_id),
    }


def resolved_conversation(
    *, contact=None, agent_user=None, body="Hello, I need help"
) -> Conversation:
    """A conversation resolved through the real pipeline (by an agent when given)."""
    conv = conversation(contact=contact, body=body)
    if agent_user is not None:
        return support_services.conversation_resolve(conversation=conv, agent=agent_user)
    return support_services.conversation_set_status(conversation=conv, status="resolved")


def _clock(value):
    """ "09:30" or a time → a time."""
    from datetime import time

    return value if isinstance(value, time) else time.fromisoformat(value)


def business_hours(*, team, weekday, opens, closes):
    """One weekly opening interval: weekday 0 = Monday, times as "HH:MM" in the team's zone."""
    from support.models import BusinessHoursInterval

    return BusinessHoursInterval.objects.create(
        team=team, weekday=weekday, opens_at=_clock(opens), closes_at=_clock(closes)
    )


def special_day(*, team, date, name="Holiday", opens=None, closes=None):
    """A holiday (no times: closed all day) or a day with its own hours."""
    from support.models import SpecialDay

    return SpecialDay.objects.create(
        team=team,
        date=date,
        name=name,
        is_closed=opens is None,
        opens_at=_clock(opens) if opens is not None else None,
        closes_at=_clock(closes) if closes is not None else None,
    )


def hours_team(*, time_zone="Europe/Istanbul", message_en="", message_tr="", name=None) -> Team:
    """A team in a given time zone, with its out-of-hours messages."""
    built = team(name=name)
    built.time_zone = time_zone
    built.out_of_hours_message_en = message_en
    built.out_of_hours_message_tr = message_tr
    built.save(update_fields=["time_zone", "out_of_hours_message_en", "out_of_hours_message_tr"])
    return built


def trigger(
    *,
    widget_obj,
    kind="time_on_page",
    seconds_on_page=30,
    url_pattern="",
    event_name="",
    message_en="Need a hand?",
    message_tr="Yardım ister misiniz?",
    delay_seconds=0,
    cap_days=1,
    business_hours_only=False,
    team=None,
    is_active=True,
):
    """A proactive message (proactive.models.Trigger) of a widget."""
    from proactive.models import Trigger

    built = Trigger(
        widget=widget_obj,
        name=f"Trigger {next(_seq)}",
        kind=kind,
        seconds_on_page=seconds_on_page,
        url_pattern=url_pattern,
        event_name=event_name,
        message_en=message_en,
        message_tr=message_tr,
        delay_seconds=delay_seconds,
        cap_days=cap_days,
        business_hours_only=business_hours_only,
        team=team,
        is_active=is_active,
    )
    built.full_clean()
    built.save()
    return built


def canned_response(
    *, by, title="Greeting", shortcut=None, body_en="Hello!", body_tr="", team=None
):
    """A canned reply through the service: personal to `by`, or a team's (`by` a supervisor)."""
    return support_services.canned_response_create(
        by=by,
        title=title,
        shortcut=shortcut or f"reply-{next(_seq)}",
        body_en=body_en,
        body_tr=body_tr,
        team_id=team.pk if team is not None else None,
    )


def label(*, name=None, colour="#1f7a4d"):
    from support.models import Label

    return Label.objects.create(name=name or f"label-{next(_seq)}", colour=colour)


def note(*, conversation, author, body="Checked the logs"):
    return support_services.note_create(conversation=conversation, author=author, body=body)


def logged_in(profile, client=None) -> Client:
    """A test client (a new one, or `client`) signed in as the agent."""
    client = client or Client()
    client.force_login(profile.user)
    return client


def queued_conversation(**kwargs) -> Conversation:
    """A conversation the bot has handed to the queue."""
    return support_services.conversation_hand_off(conversation=conversation(**kwargs))
