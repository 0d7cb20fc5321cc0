"""Replies out of e-mail conversations: an agent's reply (and a bot line without buttons, such
as the after-hours reply) is mailed to the contact from the support address the conversation
came in on, threaded under the customer's mails (In-Reply-To, References).

The OutboundEmail row is written in the reply's own transaction (an outbox): a reply is never
dropped silently. The send runs in a Celery task after commit and is retried by Celery; each
failure's error is recorded on the row. The message's delivery state (support's
message_delivery_set) follows the send, so the console redraws it live: "E-mail sending…",
"E-mailed", or after the last attempt "E-mail not sent: …" with a Retry button (an agent's
retry: message.delivery_retried, outbound_email_retry).
"""

import logging
import secrets

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from support import services as support_services
from support.languages import contact_language
from support.models import Conversation, Message

from . import tasks
from .models import InboundEmail, OutboundEmail, SupportAddress

logger = logging.getLogger("destek.emails.outbox")

# References carries at most this many ids (the newest), as long threads would bloat it.
REFERENCES_MAX = 20


def carries(*, message: Message) -> bool:
    """Whether the e-mail channel carries this line: agents' replies, and bot lines without
    buttons (a mail cannot press them; the rating prompt goes by the rating e-mail)."""
    if message.sender_type == Message.SenderType.AGENT:
        return True
    return message.sender_type == Message.SenderType.BOT and not message.actions


def outbound_email_enqueue(*, message: Message, conversation: Conversation) -> OutboundEmail | None:
    """In the reply's transaction: record the mail to send, and send it after commit."""
    if conversation.channel != Conversation.Channel.EMAIL or not carries(message=message):
        return None
    domain = settings.INBOUND_EMAIL_DOMAIN
    outbound = OutboundEmail.objects.create(
        message=message,
        conversation=conversation,
        header_id=f"<destek-{message.pk}.{secrets.token_hex(8)}@{domain}>",
    )
    support_services.message_delivery_pending(message=message)
    _enqueue(outbound.pk)
    return outbound


def _enqueue(outbound_id: int) -> None:
    transaction.on_commit(lambda: tasks.outbound_email.delay(outbound_id), robust=True)


def outbound_email_retry(*, message_id: int) -> OutboundEmail | None:
    """An agent's retry after the last attempt failed (in support's message_delivery_retry
    transaction): the mail is sent again, under the same Message-ID (it never left)."""
    outbound = OutboundEmail.objects.filter(message_id=message_id).first()
    if outbound is None or outbound.status == OutboundEmail.Status.SENT:
        return None
    outbound.status = OutboundEmail.Status.PENDING
    outbound.save(update_fields=["status"])
    _enqueue(outbound.pk)
    return outbound


def support_address_for(conversation: Conversation) -> SupportAddress | None:
    """The address the customer wrote to (their first mail), else their team's address."""
    first = (
        InboundEmail.objects.filter(conversation=conversation, support_address__isnull=False)
        .select_related("support_address")
        .order_by("pk")
        .first()
    )
    if first is not None:
        return first.support_address
    return SupportAddress.objects.filter(team_id=conversation.team_id, is_active=True).first()


def _thread(conversation: Conversation, *, before_id: int) -> tuple[str, list[str], str]:
    """(In-Reply-To, References, subject) for a reply in this conversation."""
    theirs = list(
        InboundEmail.objects.filter(conversation=conversation, status=InboundEmail.Status.POSTED)
        .order_by("pk")
        .values_list("received_at", "header_id", "subject")
    )
    ours = list(
        OutboundEmail.objects.filter(conversation=conversation, pk__lt=before_id)
        .exclude(status=OutboundEmail.Status.FAILED)
        .order_by("pk")
        .values_list("created_at", "header_id")
    )
    chain = [header for _at, header in sorted([(t[0], t[1]) for t in theirs] + ours)]
    references = chain[-REFERENCES_MAX:]
    in_reply_to = theirs[-1][1] if theirs else (chain[-1] if chain else "")
    subject = next((t[2] for t in theirs if t[2]), "")
    return in_reply_to, references, subject


def _subject(subject: str, conversation: Conversation) -> str:
    if not subject:
        return _("Your conversation #%(id)s") % {"id": conversation.pk}
    return subject if subject.lower().startswith(("re:", "ynt:")) else f"Re: {subject}"


def outbound_email_build(*, outbound: OutboundEmail) -> EmailMultiAlternatives:
    message = outbound.message
    conversation = outbound.conversation
    contact = conversation.contact
    address = support_address_for(conversation)
    from_email = (
        f"{address.display_name} <{address.address}>" if address else settings.DEFAULT_FROM_EMAIL
    )
    in_reply_to, references, subject = _thread(conversation, before_id=outbound.pk)
    headers = {"Message-ID": outbound.header_id}
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
    if references:
        headers["References"] = " ".join(references)
    with translation.override(contact_language(contact)):
        context = {"message": message, "conversation": conversation, "address": address}
        email = EmailMultiAlternatives(
            subject=_subject(subject, conversation),
            body=render_to_string("emails/channel_reply.txt", context),
            from_email=from_email,
            to=[contact.email],
            headers=headers,
        )
        email.attach_alternative(
            render_to_string("emails/channel_reply.html", context), "text/html"
        )
    for attachment in message.attachments.all():
        with attachment.file.open("rb") as handle:
            email.attach(attachment.name, handle.read(), attachment.content_type)
    return email


def outbound_email_send(*, outbound_id: int, final: bool = False) -> bool:
    """Send one recorded reply: whether it went out now (False when it was sent already). A
    failure is recorded on the row and raised for Celery to try again, unless this was the
    `final` attempt: then the message shows "not sent" with the error (and a Retry button)."""
    try:
        with transaction.atomic():
            outbound = (
                OutboundEmail.objects.select_for_update()
                .select_related("message", "conversation__contact")
                .get(pk=outbound_id)
            )
            if outbound.status == OutboundEmail.Status.SENT:
                return False
            email = outbound_email_build(outbound=outbound)
            # Sent inside the lock: a redelivered task waits, then finds it sent.
            email.send()
            outbound.status = OutboundEmail.Status.SENT
            outbound.sent_at = timezone.now()
            outbound.attempts = F("attempts") + 1
            outbound.error = ""
            outbound.save(update_fields=["status", "sent_at", "attempts", "error"])
            support_services.message_delivery_set(
                message=outbound.message, delivery=Message.Delivery.SENT
            )
    except OSError as error:
        logger.warning("Mail %s not sent: %s", outbound_id, error)
        detail = str(error)[:2000] or error.__class__.__name__
        with transaction.atomic():
            OutboundEmail.objects.filter(pk=outbound_id).update(
                status=OutboundEmail.Status.FAILED if final else OutboundEmail.Status.PENDING,
                attempts=F("attempts") + 1,
                error=detail,
            )
            if final:
                message = Message.objects.get(outbound_email__pk=outbound_id)
                support_services.message_delivery_set(
                    message=message, delivery=Message.Delivery.FAILED, error=detail
                )
        if not final:
            raise
        return False
    return True
