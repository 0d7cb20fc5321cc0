"""Writes of proactive messages: firing a trigger (cap, hours) and recording a conversion."""

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from support import errors, hours, ratelimits
from support import selectors as support_selectors
from support.identity import identity_hash_is_valid
from support.models import Contact, Conversation

from . import selectors
from .models import Trigger, TriggerDisplay

DISPLAY_TOKEN_SALT = "destek.trigger-display"  # noqa: S105 - a namespace, not a secret
# A reply must come within a day of the bubble to count as started by it.
DISPLAY_TOKEN_MAX_AGE = timedelta(days=1)
VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def url_pattern_regex(pattern: str) -> str:
    """`/products/*` → an anchored regex over path and query; `*` is the only wildcard."""
    return "^" + ".*".join(re.escape(part) for part in pattern.strip().split("*")) + "$"


def url_matches(*, pattern: str, url: str) -> bool:
    if not pattern.strip():
        return True
    parts = urlsplit(url or "")
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return re.match(url_pattern_regex(pattern), target) is not None


def _visitor(*, widget, visitor_id: Any, identity: Any) -> tuple[str, Contact | None]:
    """Who the cap counts: the verified user (any device), else the loader's visitor id."""
    if identity is not None:
        if not isinstance(identity, dict):
            raise errors.InvalidInput(_("identity must be an object."))
        external_id = identity.get("external_id")
        claimed = identity.get("hash")
        if (
            not isinstance(external_id, str)
            or not external_id
            or len(external_id) > 191
            or not isinstance(claimed, str)
            or not identity_hash_is_valid(
                secret=widget.secret, external_id=external_id, claimed_hash=claimed
            )
        ):
            raise errors.IdentityInvalid(_("The identity hash does not match the user id."))
        contact = Contact.objects.filter(widget=widget, external_id=external_id).first()
        return f"user:{external_id}", contact
    if widget.require_verified_identity:
        raise errors.IdentityRequired(_("This widget serves verified users only: call identify()."))
    if not isinstance(visitor_id, str) or not VISITOR_ID.match(visitor_id):
        raise errors.InvalidInput(
            _("visitor_id must be 8–64 letters, digits, - or _."), code="visitor_id_invalid"
        )
    return f"visitor:{visitor_id}", None


def _is_open(*, trigger: Trigger, at: datetime) -> bool:
    if trigger.team is not None:
        return hours.team_opening_status(team=trigger.team, at=at).is_open
    teams = [t.team for t in support_selectors.topic_list_active() if t.team is not None]
    return hours.support_hours(teams=teams, at=at).status.is_open


def trigger_fire(
    *,
    widget_key: Any,
    trigger_id: int,
    visitor_id: Any = None,
    identity: Any = None,
    url: Any = "",
    at: datetime | None = None,
    client_address: str | None = None,
) -> tuple[TriggerDisplay, str]:
    """Show a trigger's message to a visitor, unless capped or closed; returns the display
    and the signed token a reply sends back to be counted as a conversion.

    Raises Conflict `capped` (already shown within cap_days), `closed` (business hours only),
    `not_applicable` (the page does not match the pattern); NotFound for an unknown or
    inactive trigger; IdentityInvalid for a bad identity hash; RateLimited past
    DESTEK["TRIGGER_FIRE_RATE_LIMIT"] fires (any outcome) from one client address per window:
    visitor ids are the caller's to choose, the address is not.
    """
    at = at or timezone.now()
    widget = support_selectors.widget_get_active(key=widget_key)
    if client_address:
        ratelimits.rate_limit_enforce_setting(
            key=f"trigger-fire:{client_address}",
            setting="TRIGGER_FIRE",
            detail=_("Too many requests from this address; try again in a minute."),
        )
    url = url if isinstance(url, str) else ""
    url = url[:500]
    visitor_key, contact = _visitor(widget=widget, visitor_id=visitor_id, identity=identity)
    with transaction.atomic():
        # One fire at a time per trigger, so two tabs cannot both pass the cap.
        trigger = selectors.trigger_get_active_for_update(widget=widget, trigger_id=trigger_id)
        if not url_matches(pattern=trigger.url_pattern, url=url):
            raise errors.Conflict(_("This page does not match the trigger."), code="not_applicable")
        if trigger.business_hours_only and not _is_open(trigger=trigger, at=at):
            raise errors.Conflict(_("Support is closed now."), code="closed")
        since = at - timedelta(days=trigger.cap_days)
        if trigger.displays.filter(visitor_key=visitor_key, shown_at__gt=since).exists():
            raise errors.Conflict(_("Already shown to this visitor recently."), code="capped")
        display = TriggerDisplay.objects.create(
            trigger=trigger, visitor_key=visitor_key, contact=contact, url=url, shown_at=at
        )
    token = signing.dumps({"d": display.pk, "w": widget.pk}, salt=DISPLAY_TOKEN_SALT)
    return display, token


def trigger_conversion_record(*, conversation: Conversation, token: Any) -> TriggerDisplay | None:
    """Link a conversation to the proactive message the visitor replied to.

    A stale, forged or already used token is ignored (returns None): the visitor's
    conversation must start anyway, it just does not count as a conversion.
    """
    if not isinstance(token, str) or not token or len(token) > 300:
        return None
    try:
        payload = signing.loads(
            token, salt=DISPLAY_TOKEN_SALT, max_age=DISPLAY_TOKEN_MAX_AGE.total_seconds()
        )
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("w") != conversation.contact.widget_id:
        return None
    linked = TriggerDisplay.objects.filter(pk=payload.get("d"), conversation__isnull=True).update(
        conversation=conversation, contact=conversation.contact, converted_at=timezone.now()
    )
    if not linked:
        return None
    return TriggerDisplay.objects.select_related("trigger").get(pk=payload.get("d"))
