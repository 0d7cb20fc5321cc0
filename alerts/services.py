"""Write paths of the agent alerts: push subscriptions, preferences, sending pushes and the
"waiting past its target" e-mail. Pushes are Web Push (RFC 8030/8291/8292) through pywebpush:
the payload is encrypted for the browser, the push service only relays it."""

import json
import logging
import socket
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pywebpush import WebPushException, webpush

from integrations.webhooks import address_is_public
from support import errors, languages
from support.models import AgentProfile, Conversation, Note

from . import selectors, vapid
from .models import AlertPreference, PushSubscription

logger = logging.getLogger("destek.alerts")

# A push that cannot reach an agent within this long is useless: the chat moved on.
PUSH_TTL_SECONDS = 15 * 60
PUSH_TIMEOUT_SECONDS = 10
PREVIEW_CHARS = 120


def _text(value: Any, *, limit: int) -> str:
    if not isinstance(value, str) or not value or len(value) > limit or "\x00" in value:
        raise errors.InvalidInput(
            _("This is not a push subscription of a browser."), code="invalid_subscription"
        )
    return value


def _endpoint_check(endpoint: str) -> None:
    """Only https push services on public addresses: the server POSTs to this URL, so a
    forged subscription must not make it call inside the network (SSRF)."""
    parts = urlsplit(endpoint)
    allow_private = settings.DESTEK["PUSH_ALLOW_PRIVATE_ENDPOINTS"]
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise errors.InvalidInput(
            _("The push service's address must start with https://."), code="invalid_endpoint"
        )
    if not parts.hostname:
        raise errors.InvalidInput(
            _("The push service's address names no host."), code="invalid_endpoint"
        )
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise errors.InvalidInput(
            _("The push service's host could not be resolved."), code="invalid_endpoint"
        ) from None
    if not all(address_is_public(info[4][0]) for info in infos):
        raise errors.InvalidInput(
            _("The push service's host is a private or local address."), code="invalid_endpoint"
        )


def push_subscription_save(*, user, subscription: Any, user_agent: str = "") -> PushSubscription:
    """Store the browser's subscription (PushSubscription.toJSON()) for this agent. The same
    endpoint again updates its keys; an endpoint another agent held moves to this one (one
    browser profile, a new login)."""
    if not vapid.configured():
        raise errors.InvalidInput(
            _("Push alerts are not set up on this server (VAPID keys)."), code="push_off"
        )
    if not isinstance(subscription, dict) or not isinstance(subscription.get("keys"), dict):
        raise errors.InvalidInput(
            _("This is not a push subscription of a browser."), code="invalid_subscription"
        )
    endpoint = _text(subscription.get("endpoint"), limit=1000)
    p256dh = _text(subscription["keys"].get("p256dh"), limit=200)
    auth = _text(subscription["keys"].get("auth"), limit=100)
    _endpoint_check(endpoint)
    saved, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={
            "user": user,
            "p256dh": p256dh,
            "auth": auth,
            "user_agent": (user_agent or "")[:300],
        },
    )
    return saved


def push_subscription_delete(*, user, endpoint: Any) -> bool:
    """This browser stops receiving this agent's pushes. Returns whether it was subscribed."""
    if not isinstance(endpoint, str) or not endpoint:
        raise errors.InvalidInput(
            _("Which browser? The endpoint is missing."), code="invalid_endpoint"
        )
    deleted, _per_model = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return bool(deleted)


def alert_preference_update(
    *, user, push_assigned: bool, push_queued: bool, push_mentions: bool, email_waiting: bool
) -> AlertPreference:
    preference, _created = AlertPreference.objects.update_or_create(
        user=user,
        defaults={
            "push_assigned": bool(push_assigned),
            "push_queued": bool(push_queued),
            "push_mentions": bool(push_mentions),
            "email_waiting": bool(email_waiting),
        },
    )
    return preference


def _first_line(text: str) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= PREVIEW_CHARS else line[: PREVIEW_CHARS - 1] + "…"


def _payload(*, kind: str, conversation: Conversation, note: Note | None) -> dict:
    """What the notification says, in the active language (the recipient's)."""
    contact = conversation.contact.display_name
    if kind == "assigned":
        title = _("Conversation #%(id)s assigned to you") % {"id": conversation.pk}
        body = contact
    elif kind == "queued":
        team = conversation.team.local_name if conversation.team else _("no team")
        title = _("New conversation waiting (%(team)s)") % {"team": team}
        body = contact
    else:
        author = (
            note.author.agent_profile.name
            if hasattr(note.author, "agent_profile")
            else str(note.author)
        )
        title = _("%(name)s mentioned you in a note") % {"name": author}
        body = _first_line(note.body)
    url = reverse("console:conversation", args=[conversation.pk])
    return {"title": title, "body": body, "url": url, "tag": f"destek-{kind}-{conversation.pk}"}


def _push_one(*, subscription: PushSubscription, payload: dict) -> bool:
    """One encrypted push. A subscription the push service says is gone (404/410) is dropped;
    other failures are logged and left for the next alert."""
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=json.dumps(payload),
            vapid_private_key=vapid.private_key(),
            vapid_claims=dict(vapid.claims()),
            ttl=PUSH_TTL_SECONDS,
            timeout=PUSH_TIMEOUT_SECONDS,
        )
    except WebPushException as error:
        status = getattr(error.response, "status_code", None)
        if status in (404, 410):
            subscription.delete()
        else:
            logger.warning("push to %s failed: %s", urlsplit(subscription.endpoint).hostname, error)
        return False
    except requests.RequestException as error:
        logger.warning("push to %s failed: %s", urlsplit(subscription.endpoint).hostname, error)
        return False
    PushSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=timezone.now())
    return True


def push_alert_send(
    *, kind: str, conversation_id: int, user_ids: list[int], note_id: int | None = None
) -> int:
    """Push one alert to each of these agents who wants it, in their language. Returns how
    many browsers accepted it."""
    if not vapid.configured() or kind not in selectors.PUSH_PREFERENCE:
        return 0
    conversation = (
        Conversation.objects.select_related("contact", "team").filter(pk=conversation_id).first()
    )
    note = None
    if note_id is not None:
        note = Note.objects.select_related("author__agent_profile").filter(pk=note_id).first()
    if conversation is None or (kind == "mention" and note is None):
        return 0
    recipients = selectors.push_recipient_ids(kind=kind, user_ids=user_ids)
    profiles = AgentProfile.objects.filter(user_id__in=recipients)
    sent = 0
    for profile in profiles:
        language = languages.supported_language(profile.language) or settings.LANGUAGE_CODE
        with translation.override(language):
            payload = _payload(kind=kind, conversation=conversation, note=note)
        for subscription in PushSubscription.objects.filter(user_id=profile.user_id):
            sent += _push_one(subscription=subscription, payload=payload)
    return sent


def waiting_email_send(*, conversation_id: int) -> int:
    """A conversation waits past its first-response target: tell its agent (or its team's
    agents while nobody has it) who are offline, by e-mail, each in their language."""
    conversation = (
        Conversation.objects.select_related("contact", "team").filter(pk=conversation_id).first()
    )
    if conversation is None or conversation.status == Conversation.Status.RESOLVED:
        return 0
    if conversation.assignee_id:
        user_ids = [conversation.assignee_id]
    else:
        user_ids = selectors.queue_agent_ids(team_id=conversation.team_id)
    recipients = selectors.waiting_email_recipients(user_ids=user_ids, now=timezone.now())
    link = settings.SITE_URL + reverse("console:conversation", args=[conversation.pk])
    sent = 0
    for profile in recipients:
        language = languages.supported_language(profile.language) or settings.LANGUAGE_CODE
        with translation.override(language):
            subject = _("[Destek] Conversation #%(id)s is waiting past its target") % {
                "id": conversation.pk
            }
            body = _(
                "%(contact)s has waited longer than the first-response target for an answer.\n"
                "Open the conversation: %(link)s\n\n"
                "You get this e-mail because you are offline; "
                "turn it off under Alerts in the console."
            ) % {"contact": conversation.contact.display_name, "link": link}
        sent += send_mail(subject, body, None, [profile.user.email])
    return sent
