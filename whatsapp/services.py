"""WhatsApp's write paths: a webhook's messages and statuses into support's write paths,
and agents' replies out through the Graph API (whatsapp.client).

Inbound goes through the same services as the widget (contact_for_phone, conversation_start,
visitor_message_send, attachment_store), so routing, after-hours replies, SLA, webhooks and
retention apply unchanged.
"""

import hashlib
import hmac
import logging

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from chat import uploads
from support import errors
from support import services as support_services
from support.edge import row_id
from support.models import Attachment, Conversation, Message

from . import client
from .models import Channel, InboundMessage, OutboundMessage, Template, Thread
from .secrets import secret_encrypt

logger = logging.getLogger("destek.whatsapp")

Delivery = Message.Delivery
WHATSAPP = Conversation.Channel.WHATSAPP
# How often a send is tried before the message shows "Not delivered" with its retry button.
SEND_ATTEMPTS = 5
# Message types whose file is fetched (video is fetched too: the upload rules refuse it
# with a clear line, like any file the widget would not take).
MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")


class WebhookRefused(Exception):
    """A webhook post that is not Meta's for a number we know: 403, nothing stored."""


def verify_token_known(*, mode: str, token: str) -> bool:
    """Meta's subscription handshake: a "subscribe" with the verify token of an active number."""
    return (
        mode == "subscribe"
        and bool(token)
        and Channel.objects.filter(verify_token=token, is_active=True).exists()
    )


def signature_valid(*, app_secret: str, body: bytes, header: str) -> bool:
    """X-Hub-Signature-256: "sha256=" and the HMAC-SHA256 of the raw body with the app
    secret, compared in constant time."""
    if not app_secret or not isinstance(header, str) or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def _changes(payload) -> list[dict]:
    """The `value` of every `messages` change; InvalidInput for anything not shaped so."""
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise errors.InvalidInput("entry must be a list.")
    values = []
    for entry in payload["entry"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("changes", []), list):
            raise errors.InvalidInput("Each entry needs a list of changes.")
        for change in entry.get("changes", []):
            if not isinstance(change, dict) or change.get("field") != "messages":
                continue
            value = change.get("value")
            metadata = value.get("metadata") if isinstance(value, dict) else None
            if not isinstance(metadata, dict) or not isinstance(
                metadata.get("phone_number_id"), str
            ):
                raise errors.InvalidInput("A change without metadata.phone_number_id.")
            values.append(value)
    return values


def webhook_receive(*, payload, body: bytes, signature: str) -> dict:
    """One webhook post, already parsed. Checks the signature against the app secret of
    every number it names (WebhookRefused), then stores its messages and statuses. Unknown
    numbers are logged and skipped. Returns counts."""
    values = _changes(payload)
    ids = {value["metadata"]["phone_number_id"] for value in values}
    channels = {c.phone_number_id: c for c in Channel.objects.filter(phone_number_id__in=ids)}
    for unknown in sorted(ids - channels.keys()):
        logger.warning("WhatsApp webhook for unknown phone number id %s refused", unknown)
    if not channels and ids:
        raise WebhookRefused("Unknown phone number id.")
    for channel in channels.values():
        if not signature_valid(app_secret=channel.app_secret, body=body, header=signature):
            raise WebhookRefused("Bad signature.")
    counts = {"messages": 0, "statuses": 0}
    for value in values:
        channel = channels.get(value["metadata"]["phone_number_id"])
        if channel is None or not channel.is_active:
            continue
        names = _profile_names(value.get("contacts"))
        for message in _list(value.get("messages")):
            if inbound_message_store(channel=channel, message=message, names=names):
                counts["messages"] += 1
        for status in _list(value.get("statuses")):
            if status_apply(channel=channel, status=status):
                counts["statuses"] += 1
    return counts


def _list(value) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _profile_names(contacts) -> dict[str, str]:
    names = {}
    for contact in _list(contacts):
        profile = contact.get("profile")
        if isinstance(profile, dict) and isinstance(profile.get("name"), str):
            names[str(contact.get("wa_id"))] = profile["name"][:191]
    return names


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _body_of(message: dict) -> str:
    """What the agent reads for a message: its text, a caption, a place."""
    kind = message.get("type")
    part = message.get(kind) if isinstance(message.get(kind), dict) else {}
    if kind == "text":
        return _text(part.get("body"))
    if kind in MEDIA_TYPES:
        return _text(part.get("caption"))
    if kind == "location":
        latitude, longitude = part.get("latitude"), part.get("longitude")
        place = ", ".join(_text(part.get(k)) for k in ("name", "address") if part.get(k))
        where = f"https://maps.google.com/?q={latitude},{longitude}"
        return f"📍 {place}\n{where}" if place else f"📍 {where}"
    if kind == "button":
        return _text(part.get("text"))
    if kind == "interactive":
        reply = part.get("button_reply") or part.get("list_reply") or {}
        return _text(reply.get("title")) if isinstance(reply, dict) else ""
    return _("[A WhatsApp message of a kind Destek does not show: %(kind)s]") % {
        "kind": str(kind)[:32]
    }


def _client_id(wamid: str) -> str:
    return "wa-" + hashlib.sha256(wamid.encode()).hexdigest()[:40]


def _conversation_for(*, channel: Channel, wa_id: str, name: str):
    """The contact (found by number) and their open WhatsApp conversation on this number,
    or None (start one)."""
    contact, _created = support_services.contact_for_phone(
        widget=channel.widget, phone=f"+{wa_id}", name=name, language=channel.language
    )
    thread = (
        Thread.objects.select_related("conversation__contact")
        .filter(channel=channel, conversation__contact=contact)
        .exclude(conversation__status=Conversation.Status.RESOLVED)
        .order_by("-conversation_id")
        .first()
    )
    return (thread.conversation if thread else None), contact


def inbound_message_store(*, channel: Channel, message: dict, names: dict) -> bool:
    """One customer message, once (by its wamid). Returns whether it was new."""
    wamid, wa_id = message.get("id"), message.get("from")
    if (
        not isinstance(wamid, str)
        or not wamid
        or not (str(wa_id).isascii() and str(wa_id).isdigit())
    ):
        raise errors.InvalidInput("A message needs its id and sender.")
    if InboundMessage.objects.filter(wamid=wamid).exists():
        return False
    # Files are fetched before the transaction (a slow Graph answer holds no lock).
    body = _body_of(message)
    media = None
    if message.get("type") in MEDIA_TYPES:
        media, refusal = _media_fetch(channel=channel, message=message)
        if refusal:
            line = _("[A file was sent but could not be kept: %(reason)s]") % {"reason": refusal}
            body = f"{body}\n{line}".strip()
    try:
        # A rollback (the same wamid stored meanwhile) removes the stored file too.
        with support_services.attachment_files_guard(), transaction.atomic():
            InboundMessage.objects.create(channel=channel, wamid=wamid)
            stored = _store(
                channel=channel,
                wa_id=str(wa_id),
                name=names.get(str(wa_id), ""),
                body=body,
                media=media,
                client_id=_client_id(wamid),
            )
            InboundMessage.objects.filter(wamid=wamid).update(message=stored)
    except IntegrityError:
        # The same wamid, stored meanwhile by a concurrent delivery of the retry.
        return False
    return True


def _store(*, channel, wa_id, name, body, media, client_id) -> Message:
    conversation, contact = _conversation_for(channel=channel, wa_id=wa_id, name=name)
    if conversation is None:
        conversation, _created = support_services.conversation_start(
            contact=contact,
            body=None if media else body,
            client_id=None if media else client_id,
            channel=WHATSAPP,
            team=channel.team,
        )
        Thread.objects.create(conversation=conversation, channel=channel, wa_id=wa_id)
        if not media:
            return conversation.messages.get(client_id=client_id)
    attachment_ids = []
    if media is not None:
        try:
            support_services.attachment_upload_check(
                conversation=conversation, uploader_type=Attachment.Uploader.VISITOR
            )
            attachment = support_services.attachment_store(
                conversation=conversation, checked=media, uploader_type="visitor"
            )
            attachment_ids = [attachment.pk]
        except errors.DomainError as error:
            line = _("[A file was sent but could not be kept: %(reason)s]") % {
                "reason": error.detail
            }
            body = f"{body}\n{line}".strip()
    message, _created = support_services.visitor_message_send(
        conversation=conversation, body=body, client_id=client_id, attachments=attachment_ids
    )
    return message


def _media_fetch(*, channel: Channel, message: dict):
    """The file of a media message, validated as the widget's uploads are: (CheckedFile,
    None), or (None, why it was not kept)."""
    part = message.get(message["type"])
    media_id = part.get("id") if isinstance(part, dict) else None
    if not isinstance(media_id, str) or not media_id:
        return None, _("the message named no file")
    name = _text(part.get("filename")) or f"whatsapp-{message['type']}"
    try:
        content, _type = client.media_download(
            media_id=media_id, token=channel.access_token, max_bytes=uploads.max_bytes()
        )
        return uploads.check(data=content, name=name), None
    except client.MediaTooLarge:
        return None, uploads.too_large().detail
    except client.GraphError as error:
        logger.warning("WhatsApp media %s not fetched: %s", media_id, error)
        return None, _("WhatsApp did not hand over the file")
    except errors.DomainError as error:
        return None, error.detail


def status_apply(*, channel: Channel, status: dict) -> bool:
    """sent/delivered/read/failed of a message we sent: its delivery, and "Seen" for read."""
    outbound = (
        OutboundMessage.objects.select_related("message__conversation")
        .filter(channel=channel, wamid=_text(status.get("id")))
        .first()
    )
    if outbound is None or not outbound.wamid:
        return False
    message, state = outbound.message, status.get("status")
    if state in ("sent", "delivered"):
        return support_services.message_delivery_set(message=message, delivery=state)
    if state == "read":
        support_services.message_delivery_set(message=message, delivery=Delivery.DELIVERED)
        support_services.conversation_mark_read(
            conversation=message.conversation, side="visitor", up_to=message.pk
        )
        return True
    if state == "failed":
        detail = ", ".join(
            _text(e.get("title")) or _text(e.get("message")) for e in _list(status.get("errors"))
        )
        return support_services.message_delivery_set(
            message=message, delivery=Delivery.FAILED, error=detail or _("WhatsApp refused it.")
        )
    return False


# Outbound ---------------------------------------------------------------------------------


def outbound_prepare(*, message: Message) -> OutboundMessage | None:
    """A new agent or bot line in a WhatsApp conversation: to be sent (pending), in the
    message's transaction. None when the conversation has no number to answer from."""
    thread = Thread.objects.filter(conversation_id=message.conversation_id).first()
    if thread is None:
        return None
    outbound, _created = OutboundMessage.objects.get_or_create(
        message=message, defaults={"channel_id": thread.channel_id}
    )
    support_services.message_delivery_pending(message=message)
    return outbound


def outbound_reset(*, message_id: int) -> OutboundMessage | None:
    """An agent's retry: the send starts over (a failure Meta reported after accepting the
    message makes the next try a new message, with a new wamid)."""
    outbound = OutboundMessage.objects.filter(message_id=message_id).first()
    if outbound is not None:
        OutboundMessage.objects.filter(pk=outbound.pk).update(wamid="", attempts=0)
    return outbound


def outbound_send(*, outbound_id: int, final: bool) -> bool:
    """One attempt to send: True when sent or when there is nothing to do, False for a
    retryable failure (the task tries again unless `final`). A failure that retrying cannot
    help, or the final attempt, shows "Not delivered" on the message."""
    outbound = (
        OutboundMessage.objects.select_related("message__conversation", "channel", "template")
        .filter(pk=outbound_id)
        .first()
    )
    if outbound is None or outbound.wamid:
        return True
    thread = Thread.objects.get(conversation_id=outbound.message.conversation_id)
    OutboundMessage.objects.filter(pk=outbound.pk).update(attempts=outbound.attempts + 1)
    try:
        wamid = _post(outbound=outbound, to=thread.wa_id)
    except client.GraphError as error:
        if error.retryable and not final:
            return False
        logger.warning("WhatsApp send of message %s failed: %s", outbound.message_id, error)
        support_services.message_delivery_set(
            message=outbound.message, delivery=Delivery.FAILED, error=error.detail
        )
        return True
    OutboundMessage.objects.filter(pk=outbound.pk).update(wamid=wamid)
    support_services.message_delivery_set(message=outbound.message, delivery=Delivery.SENT)
    return True


def _post(*, outbound: OutboundMessage, to: str) -> str:
    channel, message = outbound.channel, outbound.message
    token = channel.access_token
    send = {"phone_number_id": channel.phone_number_id, "token": token, "to": to}
    if outbound.template is not None:
        parameters = [{"type": "text", "text": p} for p in outbound.template_parameters]
        template = {
            "name": outbound.template.name,
            "language": {"code": outbound.template.language},
        }
        if parameters:
            template["components"] = [{"type": "body", "parameters": parameters}]
        return client.message_post(**send, payload={"type": "template", "template": template})
    wamid = ""
    for attachment in message.attachments.all():
        with attachment.file.open("rb") as handle:
            content = handle.read()
        media_id = client.media_upload(
            phone_number_id=channel.phone_number_id,
            token=token,
            content=content,
            content_type=attachment.content_type,
            name=attachment.name,
        )
        kind = "image" if attachment.is_image else "document"
        part = {"id": media_id}
        if kind == "document":
            part["filename"] = attachment.name
        wamid = client.message_post(**send, payload={"type": kind, kind: part})
    if message.body:
        wamid = client.message_post(
            **send, payload={"type": "text", "text": {"preview_url": False, "body": message.body}}
        )
    return wamid


def template_send(*, conversation_id: int, agent, profile, template_id, parameters) -> Message:
    """An approved template, the only message WhatsApp lets through once the customer has
    not written for 24 hours: its text, parameters filled in, is the agent's message."""
    thread = Thread.objects.filter(conversation_id=conversation_id).first()
    template = None
    if thread is not None and row_id(template_id) is not None:
        template = Template.objects.filter(
            pk=row_id(template_id), channel_id=thread.channel_id
        ).first()
    if template is None:
        raise errors.InvalidInput(_("Pick one of this number's templates."))
    parameters = [str(p).strip() for p in parameters]
    if len(parameters) != template.placeholder_count or not all(parameters):
        raise errors.InvalidInput(_("Fill in every blank of the template."))
    body = template.body
    for number, value in enumerate(parameters, start=1):
        body = body.replace(f"{{{{{number}}}}}", value)
    with transaction.atomic():
        message, _created = support_services.message_send(
            conversation=Conversation(pk=conversation_id),
            sender_type=Message.SenderType.AGENT,
            agent=agent,
            body=body,
            visible_to=profile,
            outside_reply_window=True,
        )
        OutboundMessage.objects.filter(message=message).update(
            template=template, template_parameters=parameters
        )
    return message


def templates_for(*, conversation: Conversation) -> list[Template]:
    thread = Thread.objects.filter(conversation_id=conversation.pk).first()
    return list(Template.objects.filter(channel_id=thread.channel_id)) if thread else []


def channel_save_secrets(*, channel: Channel, access_token: str, app_secret: str) -> None:
    """The admin's secret fields: a blank one keeps what is stored."""
    if access_token:
        channel.access_token_encrypted = secret_encrypt(access_token)
    if app_secret:
        channel.app_secret_encrypted = secret_encrypt(app_secret)
