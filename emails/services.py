"""Writes and sends of the email fallback: the address a visitor leaves, replies by email while
they are away, inbound replies posted as the visitor, and transcripts.

Sends run in Celery tasks (emails.tasks) enqueued after commit; every one is idempotent by a
row lock on ConversationEmailState (a redelivered task sends nothing twice).
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from support import errors
from support import services as support_services
from support.languages import contact_language
from support.models import Contact, Conversation, Message

from . import tasks, tokens
from .models import ConversationEmailState, EmailPreference
from .quoting import reply_text

logger = logging.getLogger(__name__)

TRANSCRIPT_MESSAGES = 200


def visitor_is_away(*, contact: Contact, now: datetime | None = None) -> bool:
    """No widget heard from for VISITOR_AWAY_SECONDS (support.services.contact_touch keeps
    last_seen_at fresh while a widget is open)."""
    now = now or timezone.now()
    away_after = timedelta(seconds=settings.DESTEK["VISITOR_AWAY_SECONDS"])
    return contact.last_seen_at is None or contact.last_seen_at < now - away_after


# --- The address a visitor leaves ----------------------------------------------------------


def contact_email_leave(*, contact: Contact, email, transcript=False) -> EmailPreference:
    """Store the address a visitor left in the widget (and whether they want the transcript)."""
    email = support_services.email_address_clean(email)
    if not isinstance(transcript, bool):
        raise errors.InvalidInput(_("transcript must be true or false."), code="invalid_transcript")
    with transaction.atomic():
        contact.email = email
        contact.search_text = contact.search_words()
        contact.save(update_fields=["email", "search_text"])
        preference, _created = EmailPreference.objects.update_or_create(
            contact=contact, defaults={"transcript_requested": transcript}
        )
    return preference


def transcript_requested(*, contact: Contact) -> bool:
    return EmailPreference.objects.filter(contact=contact, transcript_requested=True).exists()


# --- Agent replies by email ----------------------------------------------------------------


def reply_email_enqueue(*, message) -> bool:
    """An agent replied: if the visitor is away and left an address, email it (batched).

    The task runs REPLY_EMAIL_BATCH_SECONDS later and sends every reply not emailed yet, so
    replies written within the window go out as one email; the tasks after it find nothing.
    """
    # message_send loaded the contact with the locked conversation: no query here.
    contact = message.conversation.contact
    if not contact.email or not visitor_is_away(contact=contact):
        return False
    conversation_id = message.conversation_id
    delay = settings.DESTEK["REPLY_EMAIL_BATCH_SECONDS"]
    transaction.on_commit(
        lambda: tasks.reply_email.apply_async((conversation_id,), countdown=delay), robust=True
    )
    return True


def _thread_headers(*, conversation: Conversation) -> dict:
    # Mail clients keep every email of one conversation in one thread.
    root = f"<conversation-{conversation.pk}@{settings.INBOUND_EMAIL_DOMAIN}>"
    return {"In-Reply-To": root, "References": root}


def _sender_name(message) -> str:
    if message.sender_type == "agent" and message.sender_agent_id:
        profile = getattr(message.sender_agent, "agent_profile", None)
        return profile.name if profile and profile.name else message.sender_agent.get_username()
    return {"visitor": _("You"), "bot": _("Assistant")}.get(message.sender_type, "—")


def _messages(conversation: Conversation, **filters):
    return list(
        Message.objects.filter(conversation=conversation, **filters)
        .select_related("sender_agent__agent_profile")
        .prefetch_related("attachments")
        .order_by("id")
    )


def _email(*, conversation, subject, template, context) -> EmailMultiAlternatives:
    contact = conversation.contact
    context = {"conversation": conversation, "contact": contact, **context}
    email = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[contact.email],
        reply_to=[tokens.reply_address(conversation_id=conversation.pk, contact_id=contact.pk)],
        headers=_thread_headers(conversation=conversation),
    )
    email.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return email


def _email_to_contact(*, conversation, subject, template, lines) -> EmailMultiAlternatives:
    """_email in the contact's language: `subject` a lazy text with %(id)s for the
    conversation's number; `lines` (context name, messages) become (sender name, message)
    pairs."""
    name, messages = lines
    with translation.override(contact_language(conversation.contact)):
        return _email(
            conversation=conversation,
            subject=str(subject) % {"id": conversation.pk},
            template=template,
            context={name: [(_sender_name(m), m) for m in messages]},
        )


def reply_email_send(*, conversation_id: int, now: datetime | None = None) -> int:
    """Email the agent replies the away visitor has not seen; returns how many it carried.

    Replies written before the visitor's widget was last seen were read there and are skipped;
    when the visitor is back, nothing is sent (they read the replies in the widget).
    """
    now = now or timezone.now()
    with transaction.atomic():
        conversation = Conversation.objects.select_related("contact").get(pk=conversation_id)
        state, _created = ConversationEmailState.objects.get_or_create(conversation=conversation)
        state = ConversationEmailState.objects.select_for_update().get(pk=state.pk)
        contact = conversation.contact
        filters = {"sender_type": Message.SenderType.AGENT, "id__gt": state.last_emailed_message_id}
        if contact.last_seen_at is not None:
            filters["created_at__gt"] = contact.last_seen_at
        replies = _messages(conversation, **filters)
        if not replies:
            return 0
        state.last_emailed_message_id = replies[-1].pk
        state.save(update_fields=["last_emailed_message_id"])
        if not contact.email or not visitor_is_away(contact=contact, now=now):
            return 0
        email = _email_to_contact(
            conversation=conversation,
            subject=gettext_lazy("New reply in your conversation #%(id)s"),
            template="reply",
            lines=("replies", replies),
        )
        # Sent inside the lock: a failure rolls the cursor back and the task retries.
        email.send()
    return len(replies)


# --- Transcripts ----------------------------------------------------------------------------


def transcript_enqueue_if_requested(*, conversation: Conversation) -> bool:
    """At resolve: the transcript goes out after commit if the visitor asked for it."""
    if not transcript_requested(contact=conversation.contact):
        return False
    return transcript_enqueue(conversation=conversation)


def transcript_enqueue(*, conversation: Conversation) -> bool:
    """Email the transcript after commit (the admin action); False: no address to send to."""
    if not conversation.contact.email:
        return False
    conversation_id = conversation.pk
    transaction.on_commit(lambda: tasks.transcript_email.delay(conversation_id), robust=True)
    return True


def transcript_email_send(*, conversation_id: int) -> bool:
    """Email the conversation's transcript (plain text and escaped HTML) to its contact."""
    with transaction.atomic():
        conversation = Conversation.objects.select_related("contact").get(pk=conversation_id)
        contact = conversation.contact
        if not contact.email:
            raise errors.Conflict(_("This visitor has not left an email address."), code="no_email")
        messages = _messages(conversation)[-TRANSCRIPT_MESSAGES:]
        email = _email_to_contact(
            conversation=conversation,
            subject=gettext_lazy("Transcript of your conversation #%(id)s"),
            template="transcript",
            lines=("lines", messages),
        )
        email.send()
        ConversationEmailState.objects.update_or_create(
            conversation=conversation, defaults={"transcript_sent_at": timezone.now()}
        )
    return True


# --- Inbound replies ------------------------------------------------------------------------


@dataclass(frozen=True)
class InboundResult:
    conversation_id: int
    message_id: int
    created: bool


def _client_id(*, message_id: str, sender: str, text: str) -> str:
    # Message-ID is the idempotency key (a redelivered email posts once); it can be longer
    # than a client_id, so it is hashed. Without one, the sender and text stand in.
    key = message_id.strip() if message_id else f"{sender}\n{text}"
    return "email-" + hashlib.sha256(key.encode()).hexdigest()[:40]


def inbound_email_receive(
    *, sender, recipients, text, message_id: str | None = None
) -> InboundResult:
    """Post an emailed reply as the visitor, in the conversation its reply address names.

    Refused, with nothing written: a reply address that is missing, forged or expired (403
    invalid_reply_address), a From that is not the contact's address (403 sender_mismatch),
    and a reply with no new text (400 empty_message). A resolved conversation is reopened.
    """
    target = tokens.reply_target_in(recipients)
    if target is None:
        raise errors.Forbidden(
            "No valid reply address among the recipients.", code="invalid_reply_address"
        )
    if not isinstance(sender, str):
        raise errors.InvalidInput("from must be a string.", code="invalid_from")
    sender_address = parseaddr(sender)[1].strip().lower()
    conversation = (
        Conversation.objects.select_related("contact")
        .filter(pk=target.conversation_id, contact_id=target.contact_id)
        .first()
    )
    if conversation is None:
        raise errors.NotFound("The conversation no longer exists.", code="not_found")
    if not sender_address or sender_address != conversation.contact.email.strip().lower():
        raise errors.Forbidden(
            "The sender is not the visitor of this conversation.", code="sender_mismatch"
        )
    if not isinstance(text, str):
        raise errors.InvalidInput("text must be a string.", code="invalid_text")
    body = reply_text(text)
    if not body:
        raise errors.InvalidInput("The reply has no new text.", code="empty_message")
    client_id = _client_id(message_id=message_id or "", sender=sender_address, text=body)
    with transaction.atomic():
        if conversation.is_resolved:
            already = Message.objects.filter(conversation=conversation, client_id=client_id)
            if not already.exists():
                support_services.conversation_reopen(conversation=conversation)
        message, created = support_services.visitor_message_send(
            conversation=conversation, body=body, client_id=client_id
        )
    return InboundResult(conversation.pk, message.pk, created)


# --- What the widget offers -----------------------------------------------------------------


def email_offer(*, contact: Contact, offer: bool) -> dict:
    """The session's `email` field: whether the "leave your email" form is offered now
    (support.selectors.nobody_can_answer decides; static/widget/email.js loads only then), and
    always its texts and the address, so the widget can show it later in the chat when a
    conversation's `email_offer` turns true (the last agent went offline)."""
    with translation.override(
        contact_language(contact) if contact.locale else translation.get_language()
    ):
        texts = {
            "title": _("Nobody is available right now"),
            "lead": _("Leave your email address and we will answer you by email."),
            "label": _("Email address"),
            "transcript": _("Email me the transcript of this conversation"),
            "save": _("Save"),
            "saved": _("Thanks! We will answer at %(email)s.") % {"email": "{email}"},
            "invalid": _("Enter a valid email address."),
        }
    return {"offer": offer, "address": contact.email, "texts": texts}
