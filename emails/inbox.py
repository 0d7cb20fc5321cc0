"""The e-mail inbox: a mail to a support address becomes a visitor message (docs/channels.md).

    mail_receive(support_address=..., raw=b"...")   # one RFC 822 mail, from IMAP or the webhook

Each mail is stored once by its Message-ID (InboundEmail, unique), with the original kept for
agents. It goes through support's write paths: the sender is the widget's contact with that
address (support.services.contact_for_email); a reply (In-Reply-To/References naming one of our
mails or one we received, or the fallback's signed reply address) continues its conversation;
anything else opens an e-mail conversation in the address's team (conversation_start), so
routing, after-hours replies, SLA, ratings and retention apply as for the widget.

Refused, logged and recorded (never an exception to the caller): mails too large or with too
many attachments (mail bombs), auto-replies and bulk mail (Auto-Submitted, Precedence), our
own mails coming back, mails from a support address, a sender over the rate limit, mails with
no sender or nothing to post.
"""

import hashlib
import logging
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.html import strip_tags

from chat import uploads
from support import errors, ratelimits
from support import services as support_services
from support.models import Attachment, Conversation

from . import tokens
from .models import InboundEmail, OutboundEmail, SupportAddress
from .quoting import reply_text

logger = logging.getLogger("destek.emails.inbox")

MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# Our thread root (emails.services._thread_headers) and our replies' ids (emails.outbox).
THREAD_ROOT = re.compile(r"^<conversation-(\d+)@(.+)>$")
OUR_PREFIX = "<destek-"
BULK_PRECEDENCE = ("bulk", "junk", "list")
# Subjects longer than this are cut for the record (the original keeps all of it).
SUBJECT_MAX = 255


@dataclass(frozen=True)
class Received:
    """What became of one mail: posted (conversation, message), a duplicate, or refused."""

    status: str  # "posted", "duplicate" or "refused"
    header_id: str
    refusal: str = ""
    conversation_id: int | None = None
    message_id: int | None = None


def mail_parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def header_text(mail: EmailMessage, name: str) -> str:
    """A header as text; a malformed header reads as empty rather than failing the mail."""
    try:
        value = mail.get(name)
    except Exception:  # the email package raises many kinds on broken headers
        return ""
    return str(value or "").strip()


def header_id_of(mail: EmailMessage, raw: bytes) -> str:
    """The mail's Message-ID, or a stand-in made from its bytes (the same mail, the same id)."""
    found = MESSAGE_ID.search(header_text(mail, "Message-ID"))
    if found:
        return found.group(0)[:255]
    return f"<sha256-{hashlib.sha256(raw).hexdigest()}@missing-message-id>"


def referenced_ids(mail: EmailMessage) -> list[str]:
    """The ids a reply names, nearest first (In-Reply-To, then References from the end)."""
    ids = MESSAGE_ID.findall(header_text(mail, "In-Reply-To"))
    ids += reversed(MESSAGE_ID.findall(header_text(mail, "References")))
    return list(dict.fromkeys(ids))


def is_ours(header_id: str) -> bool:
    domain = settings.INBOUND_EMAIL_DOMAIN.lower()
    return header_id.lower().startswith(OUR_PREFIX) and header_id.lower().endswith(f"@{domain}>")


def loop_reason(mail: EmailMessage, *, header_id: str, sender: str) -> str:
    """Why this mail must not be answered (a code), or "" when it may be posted."""
    auto = header_text(mail, "Auto-Submitted").lower()
    if auto and auto != "no":
        return "auto_submitted"
    if header_text(mail, "Precedence").lower() in BULK_PRECEDENCE:
        return "bulk_precedence"
    if is_ours(header_id) or OutboundEmail.objects.filter(header_id=header_id).exists():
        return "own_message"
    if SupportAddress.objects.filter(address__iexact=sender).exists():
        return "from_support_address"
    return ""


def shown_text(mail: EmailMessage) -> str:
    """The new text of the mail: the plain part (or the HTML part's text), without the quoted
    history and the signature. The original stays in InboundEmail.original."""
    part = mail.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):
        content = part.get_payload(decode=True).decode("utf-8", "replace")
    if part.get_content_subtype() == "html":
        content = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", content)
        content = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", content)
        content = strip_tags(content)
    return reply_text(content)


def attachment_parts(mail: EmailMessage) -> list[EmailMessage]:
    return [part for part in mail.iter_attachments() if not part.is_multipart()]


def _record(
    *,
    support_address,
    header_id,
    status,
    refusal="",
    mail=None,
    raw=b"",
    conversation=None,
    message=None,
) -> InboundEmail:
    sender = parseaddr(header_text(mail, "From"))[1][:254] if mail is not None else ""
    subject = header_text(mail, "Subject")[:SUBJECT_MAX] if mail is not None else ""
    return InboundEmail.objects.create(
        support_address=support_address,
        header_id=header_id,
        status=status,
        refusal=refusal,
        sender=sender,
        subject=subject,
        size=len(raw),
        conversation=conversation,
        message=message,
        # A refused mail's bytes are not kept (a mail bomb stays out of the database).
        original=raw if status == InboundEmail.Status.POSTED else b"",
    )


def _refuse(*, support_address, header_id, refusal, mail=None, raw=b"") -> Received:
    logger.warning("Refused mail %s to %s: %s", header_id, support_address.address, refusal)
    try:
        with transaction.atomic():
            _record(
                support_address=support_address,
                header_id=header_id,
                status=InboundEmail.Status.REFUSED,
                refusal=refusal,
                mail=mail,
                raw=raw,
            )
    except IntegrityError:
        return Received("duplicate", header_id, refusal=refusal)
    return Received("refused", header_id, refusal=refusal)


def _thread_conversation(
    *, mail: EmailMessage, support_address: SupportAddress, sender: str
) -> Conversation | None:
    """The conversation this mail replies to, if it is the sender's own in this inbox."""
    conversation_ids = []
    ids = referenced_ids(mail)
    if ids:
        by_ours = dict(
            OutboundEmail.objects.filter(header_id__in=ids).values_list("header_id", "conversation")
        )
        by_theirs = dict(
            InboundEmail.objects.filter(header_id__in=ids, conversation__isnull=False).values_list(
                "header_id", "conversation"
            )
        )
        domain = settings.INBOUND_EMAIL_DOMAIN.lower()
        for header_id in ids:
            root = THREAD_ROOT.match(header_id)
            if header_id in by_ours:
                conversation_ids.append(by_ours[header_id])
            elif header_id in by_theirs:
                conversation_ids.append(by_theirs[header_id])
            elif root and root.group(2).lower() == domain:
                conversation_ids.append(int(root.group(1)))
    recipients = [header_text(mail, name) for name in ("To", "Cc", "Delivered-To", "X-Original-To")]
    target = tokens.reply_target_in(recipients)
    if target is not None:
        conversation_ids.append(target.conversation_id)
    for conversation_id in conversation_ids:
        conversation = (
            Conversation.objects.select_related("contact")
            .filter(pk=conversation_id, contact__widget_id=support_address.widget_id)
            .first()
        )
        if conversation and conversation.contact.email.lower() == sender:
            return conversation
    return None


def _store_attachments(*, conversation, parts) -> list[int]:
    """Each file through chat.uploads' checks (as a widget upload) and support's write path;
    a file that fails them is left out and logged, the mail's text is still posted."""
    ids = []
    for part in parts:
        data = part.get_payload(decode=True) or b""
        try:
            checked = uploads.check(data=data, name=part.get_filename() or "")
        except errors.DomainError as error:
            logger.info("Mail attachment %r left out: %s", part.get_filename(), error.code)
            continue
        attachment = support_services.attachment_store(
            conversation=conversation, checked=checked, uploader_type=Attachment.Uploader.VISITOR
        )
        ids.append(attachment.pk)
    return ids


def _client_id(header_id: str) -> str:
    return "email-" + hashlib.sha256(header_id.encode()).hexdigest()[:40]


def mail_receive(*, support_address: SupportAddress, raw: bytes) -> Received:
    """Post one received mail (see the module's docstring). Never raises for a bad mail."""
    refused = _refused_unread(support_address=support_address, raw=raw)
    if refused is not None:
        return refused
    raw = bytes(raw)
    mail = mail_parse(raw)
    header_id = header_id_of(mail, raw)
    if InboundEmail.objects.filter(header_id=header_id).exists():
        return Received("duplicate", header_id)
    sender_name, sender = parseaddr(header_text(mail, "From"))
    sender = sender.strip().lower()
    refuse = {"support_address": support_address, "header_id": header_id, "mail": mail}
    parts = attachment_parts(mail)
    refusal = _refusal(
        support_address=support_address, mail=mail, header_id=header_id, sender=sender, parts=parts
    )
    if refusal:
        return _refuse(**refuse, refusal=refusal)
    text = shown_text(mail)
    subject = header_text(mail, "Subject")
    try:
        # A rollback (a duplicate stored meanwhile, a refused message) removes the files too.
        with support_services.attachment_files_guard(), transaction.atomic():
            conversation, message = _post(
                support_address=support_address,
                mail=mail,
                sender=sender,
                sender_name=sender_name,
                text=text,
                subject=subject,
                parts=parts,
                header_id=header_id,
            )
            _record(
                support_address=support_address,
                header_id=header_id,
                status=InboundEmail.Status.POSTED,
                mail=mail,
                raw=raw,
                conversation=conversation,
                message=message,
            )
    except IntegrityError:
        # The same mail, received at the same moment by another poll or webhook call.
        return Received("duplicate", header_id)
    except errors.DomainError as error:
        return _refuse(**refuse, refusal=error.code or "invalid")
    return Received("posted", header_id, conversation_id=conversation.pk, message_id=message.pk)


def _refused_unread(*, support_address: SupportAddress, raw) -> Received | None:
    """An empty mail, or one too large to parse, refused under its digest; None for a mail
    to read."""
    if not isinstance(raw, bytes | bytearray) or not raw:
        return _refuse(
            support_address=support_address,
            header_id=f"<sha256-{hashlib.sha256(bytes(raw or b'')).hexdigest()}@empty>",
            refusal="empty",
        )
    if len(raw) > settings.DESTEK["EMAIL_INBOUND_MAX_BYTES"]:
        # Not parsed at all: its id is its digest.
        header_id = f"<sha256-{hashlib.sha256(bytes(raw)).hexdigest()}@too-large>"
        return _refuse(support_address=support_address, header_id=header_id, refusal="too_large")
    return None


def _refusal(
    *, support_address: SupportAddress, mail: EmailMessage, header_id: str, sender: str, parts
) -> str:
    """Why a parsed mail is not posted ("" when it is): no sender, a loop, too many files, a
    sender over its rate (counted last: a mail refused for another reason is not counted)."""
    limits = settings.DESTEK
    if not sender or "@" not in sender:
        return "no_sender"
    reason = loop_reason(mail, header_id=header_id, sender=sender)
    if reason:
        return reason
    if len(parts) > limits["EMAIL_INBOUND_MAX_ATTACHMENTS"]:
        return "too_many_attachments"
    if not ratelimits.rate_limit_hit(
        key=f"email-sender:{support_address.pk}:{sender}",
        limit=limits["EMAIL_SENDER_RATE_LIMIT"],
        window_seconds=limits["EMAIL_SENDER_RATE_WINDOW_SECONDS"],
    ):
        return "sender_rate_limited"
    return ""


def _post(*, support_address, mail, sender, sender_name, text, subject, parts, header_id):
    """In the caller's transaction: the contact, the conversation (continued or new) and the
    visitor message with its files."""
    conversation = _thread_conversation(mail=mail, support_address=support_address, sender=sender)
    if conversation is not None and conversation.is_resolved:
        try:
            support_services.conversation_reopen(conversation=conversation)
        except errors.Conflict:
            # Past the reopen window: the reply starts a new conversation.
            conversation = None
    if conversation is None:
        contact, _created = support_services.contact_for_email(
            widget=support_address.widget,
            email=sender,
            name=sender_name,
            language=support_address.language,
        )
        topic = support_address.topic
        conversation, _started = support_services.conversation_start(
            contact=contact,
            channel=Conversation.Channel.EMAIL,
            team=support_address.team,
            topic_slug=topic.slug if topic is not None and topic.is_active else None,
        )
        # The subject is what the customer asked about: it leads the first message.
        if subject and subject.lower() not in text.lower():
            text = f"{subject}\n\n{text}" if text else subject
    attachment_ids = _store_attachments(conversation=conversation, parts=parts)
    if not text and not attachment_ids:
        raise errors.InvalidInput("The mail has no new text.", code="empty_message")
    limit = settings.DESTEK["MESSAGE_MAX_CHARS"]
    if len(text) > limit:
        # The shown text is cut; the whole mail stays in the original.
        text = text[: limit - 1] + "…"
    message, _created = support_services.visitor_message_send(
        conversation=conversation,
        body=text,
        client_id=_client_id(header_id),
        attachments=attachment_ids or None,
    )
    return conversation, message
