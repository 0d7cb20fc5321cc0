"""Topics from the console's settings (supervisors): what visitors pick in the widget, the team
it routes to and the priority it starts with."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .. import errors
from ..edge import row_id
from ..models import AgentProfile, Conversation, Team, Topic
from .configuration import (
    changes_between,
    form_invalid,
    model_problems,
    settings_audit,
    supervisor_check,
)

TOPIC_TEXT_FIELDS = ("name_en", "name_tr", "description_en", "description_tr")
TOPIC_FIELDS = (
    *TOPIC_TEXT_FIELDS,
    "team",
    "default_priority",
    "allow_urgent",
    "order",
    "is_active",
)
MAX_ORDER = 999


def _topic_get_locked(topic_id: Any) -> Topic:
    topic = Topic.objects.select_for_update().filter(pk=row_id(topic_id)).first()
    if topic is None:
        raise errors.NotFound(_("No such topic."))
    return topic


def _values_apply(topic: Topic, values: dict[str, Any]) -> None:
    """Put the typed values on `topic`, or raise FormInvalid naming each bad field."""
    problems: dict[str, str] = {}
    for name in TOPIC_TEXT_FIELDS:
        setattr(topic, name, str(values.get(name) or "").strip())
    team_id = str(values.get("team") or "").strip()
    if not team_id:
        topic.team = None
    else:
        topic.team = Team.objects.filter(pk=row_id(team_id)).first()
        if topic.team is None:
            problems["team"] = _("Choose a team from the list.")
    topic.default_priority = str(values.get("default_priority") or "")
    topic.allow_urgent = bool(values.get("allow_urgent"))
    topic.is_active = bool(values.get("is_active"))
    order = str(values.get("order") or "0").strip()
    if order.isascii() and order.isdigit() and int(order) <= MAX_ORDER:
        topic.order = int(order)
    else:
        problems["order"] = _("A whole number from 0 to %(max)s.") % {"max": MAX_ORDER}
    try:
        topic.full_clean(exclude=["slug", "team", "order"], validate_unique=False)
    except ValidationError as error:
        problems.update(model_problems(topic, error))
    if problems:
        raise form_invalid(problems, code="invalid_topic")


def _unique_slug(name: str) -> str:
    base = slugify(name)[:56] or "topic"
    slug, n = base, 1
    while Topic.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _snapshot(topic: Topic) -> dict[str, Any]:
    return {name: getattr(topic, "team_id" if name == "team" else name) for name in TOPIC_FIELDS}


def topic_create(*, actor: AgentProfile, values: dict[str, Any]) -> Topic:
    """A new topic, in both languages; its slug (what the SDK and pre-chat forms name it by)
    comes from the English name and never changes afterwards."""
    supervisor_check(actor)
    topic = Topic()
    _values_apply(topic, values)
    with transaction.atomic():
        topic.slug = _unique_slug(topic.name_en)
        topic.save()
        settings_audit(actor=actor, detail={"topic_created": topic.slug, **_snapshot(topic)})
    return topic


def topic_update(*, actor: AgentProfile, topic_id: Any, values: dict[str, Any]) -> Topic:
    """Change a topic; conversations that picked it keep their team and priority."""
    supervisor_check(actor)
    with transaction.atomic():
        topic = _topic_get_locked(topic_id)
        before = _snapshot(topic)
        _values_apply(topic, values)
        changed = changes_between(before, _snapshot(topic))
        if changed:
            topic.save()
            settings_audit(actor=actor, detail={"topic": topic.slug, "changed": changed})
    return topic


def topic_delete(*, actor: AgentProfile, topic_id: Any) -> None:
    """Delete a topic no conversation picked; one that was used is turned off instead (its
    conversations and reports keep it). Pre-chat questions asked only for it go with it."""
    supervisor_check(actor)
    with transaction.atomic():
        topic = _topic_get_locked(topic_id)
        if Conversation.objects.filter(topic=topic).exists():
            raise errors.Conflict(
                _(
                    "Conversations were opened with %(name)s, so it stays for their history: "
                    "turn it off to hide it from the widget."
                )
                % {"name": topic.name_en},
                code="topic_in_use",
            )
        slug = topic.slug
        topic.delete()
        settings_audit(actor=actor, detail={"topic_deleted": slug})
