"""Attachments: the files of a conversation, stored, attached to one message, deleted.

Files go to Django's default storage (local MEDIA_ROOT or an S3-compatible bucket, see
config.settings STORAGES) under generated names; the bytes are those the transport validated
(chat.uploads). Storage is written only after validation, and files are removed again when the
database write fails, so a refused or failed upload leaves nothing behind; a caller that stores
files inside a larger transaction (a received mail or WhatsApp message) wraps it in
`attachment_files_guard`, so its rollback removes them too. Deleting rows deletes their files
after the transaction commits (a rolled-back delete keeps them).
"""

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import errors, ratelimits
from ..edge import row_id
from ..models import Attachment, Contact, Conversation, Message

logger = logging.getLogger("destek.attachments")


def _storage_names(extension: str) -> tuple[str, str]:
    """Generated names: nothing of the uploader's name reaches the storage path."""
    today = timezone.now()
    key = uuid.uuid4().hex
    base = f"attachments/{today:%Y/%m}/{key}"
    return f"{base}.{extension}", f"{base}.thumb.webp"


def _check_rate(
    *, conversation: Conversation, uploader_type: str, agent, ip_address: str | None
) -> None:
    """Uploads per contact (or agent) per window, refused ones included: validation is the
    expensive part. A visitor's also count per client address, since anyone can open new
    anonymous contacts. The shared database counters of support.ratelimits."""
    is_visitor = uploader_type == Attachment.Uploader.VISITOR
    who = f"contact:{conversation.contact_id}" if is_visitor else f"agent:{agent.pk}"
    limits = [(f"attachment-upload:{who}", settings.DESTEK["ATTACHMENT_UPLOADS_PER_WINDOW"])]
    if is_visitor and ip_address:
        limits.append(
            (
                f"attachment-upload:address:{ip_address}",
                settings.DESTEK["ATTACHMENT_UPLOADS_PER_ADDRESS"],
            )
        )
    for key, limit in limits:
        ratelimits.rate_limit_enforce(
            key=key,
            limit=limit,
            window_seconds=settings.DESTEK["ATTACHMENT_UPLOAD_WINDOW_SECONDS"],
            detail=_("Too many files in a short time; wait a few minutes and try again."),
        )


def attachment_upload_check(
    *, conversation: Conversation, uploader_type: str, agent=None, ip_address: str | None = None
) -> None:
    """Whether this uploader may upload into this conversation now, before its bytes are read:
    400 (unknown uploader), 409 (a visitor uploading into a resolved conversation), 429 (too
    many uploads)."""
    if uploader_type not in Attachment.Uploader.values:
        raise errors.InvalidInput(f"Unknown uploader {uploader_type!r}.")
    if uploader_type == Attachment.Uploader.AGENT and agent is None:
        raise errors.InvalidInput(_("An agent's upload needs its agent."))
    if uploader_type == Attachment.Uploader.VISITOR and conversation.is_resolved:
        raise errors.Conflict(
            _("This conversation is resolved; reopen it or start a new one."),
            code="conversation_resolved",
        )
    _check_rate(
        conversation=conversation, uploader_type=uploader_type, agent=agent, ip_address=ip_address
    )


# The files stored inside the innermost attachment_files_guard block, if any.
_guarded_files: ContextVar[list[str] | None] = ContextVar("guarded_files", default=None)


@contextmanager
def attachment_files_guard() -> Iterator[None]:
    """Around a transaction that stores attachments: when an exception leaves the block (the
    transaction rolled back), the files stored inside it are deleted, so no file outlives
    its row. Enter it outside `transaction.atomic()`."""
    stored: list[str] = []
    token = _guarded_files.set(stored)
    try:
        yield
    except BaseException:
        _delete_files(stored)
        raise
    finally:
        _guarded_files.reset(token)


# What an attachment records of a validated file, under the same names.
CHECKED_FIELDS = ("name", "content_type", "size", "sha256", "width", "height")


def attachment_store(
    *, conversation: Conversation, checked, uploader_type: str, agent=None
) -> Attachment:
    """Store a validated file (chat.uploads' CheckedFile: content, thumbnail, name, type,
    size, digest, dimensions) and record it, unsent. A failed write leaves no file behind."""
    file_name, thumb_name = _storage_names(checked.extension)
    stored: list[str] = []
    try:
        stored.append(default_storage.save(file_name, ContentFile(checked.content)))
        if checked.thumbnail is not None:
            stored.append(default_storage.save(thumb_name, ContentFile(checked.thumbnail)))
        with transaction.atomic():
            attachment = Attachment.objects.create(
                conversation=conversation,
                uploader_type=uploader_type,
                uploader_agent=agent if uploader_type == Attachment.Uploader.AGENT else None,
                file=stored[0],
                thumbnail=stored[1] if len(stored) > 1 else "",
                **{field: getattr(checked, field) for field in CHECKED_FIELDS},
            )
    except BaseException:
        _delete_files(stored)
        raise
    guarded = _guarded_files.get()
    if guarded is not None:
        guarded.extend(stored)
    return attachment


def attachment_ids_clean(attachment_ids) -> list[int]:
    """The message's attachment ids as a client sent them, checked for shape and count."""
    if attachment_ids in (None, ""):
        return []
    ids = None
    if isinstance(attachment_ids, list | tuple):
        ids = [row_id(i) for i in attachment_ids]
    if ids is None or None in ids:
        raise errors.InvalidInput(
            _("attachments must be a list of attachment ids."), code="invalid_attachments"
        )
    ids = list(dict.fromkeys(ids))
    if len(ids) > settings.DESTEK["ATTACHMENTS_PER_MESSAGE"]:
        raise errors.InvalidInput(
            _("At most %(count)d files per message.")
            % {"count": settings.DESTEK["ATTACHMENTS_PER_MESSAGE"]},
            code="too_many_attachments",
        )
    return ids


def attachments_attach(
    *, message: Message, attachment_ids: list[int], uploader_type: str, agent=None
) -> list[Attachment]:
    """Attach uploaded files to a new message: same conversation, same uploader, once.

    Called by message_send inside its transaction; any id that does not qualify
    refuses the whole message (nothing is attached, the message is not stored).
    """
    if not attachment_ids:
        return []
    candidates = Attachment.objects.select_for_update().filter(
        pk__in=attachment_ids,
        conversation_id=message.conversation_id,
        message__isnull=True,
        uploader_type=uploader_type,
    )
    if uploader_type == Attachment.Uploader.AGENT:
        candidates = candidates.filter(uploader_agent=agent)
    attachments = list(candidates.order_by("pk"))
    if len(attachments) != len(attachment_ids):
        raise errors.InvalidInput(
            _("A file of this message cannot be attached: upload it again."),
            code="invalid_attachments",
        )
    Attachment.objects.filter(pk__in=[a.pk for a in attachments]).update(message=message)
    for attachment in attachments:
        attachment.message = message
    return attachments


def attachments_known(*, message: Message, attachments: list[Attachment]) -> None:
    """A new message's files are exactly these, in `message.attachment_list` (as
    Prefetch("attachments", to_attr="attachment_list") leaves them, where its readers look
    first: chat.protocol, console.presenters), so the publish after commit needs no query for
    them. A plain list: a prefetched manager cost ~50 µs per message, files or not."""
    message.attachment_list = list(attachments)


def _file_names(attachments) -> list[str]:
    names = []
    for file_name, thumb_name in attachments.values_list("file", "thumbnail"):
        names += [name for name in (file_name, thumb_name) if name]
    return names


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            # The row is gone either way; a file left behind is logged for the operator.
            logger.exception("Could not delete attachment file %s", name)


def attachments_delete(*, attachments) -> int:
    """Delete these attachment rows now and their stored files once the transaction commits.

    `attachments` is an Attachment queryset. Returns how many rows were deleted.
    """
    with transaction.atomic():
        names = _file_names(attachments)
        deleted, _per_model = attachments.delete()
        transaction.on_commit(lambda: _delete_files(names), robust=True)
    return deleted


def attachments_delete_for_conversations(*, conversation_ids: list[int]) -> int:
    """Every file of these conversations (retention deletes the conversations right after)."""
    return attachments_delete(
        attachments=Attachment.objects.filter(conversation_id__in=conversation_ids)
    )


def attachments_delete_for_contact(*, contact: Contact) -> int:
    """Erasure: every file in the contact's conversations, whoever uploaded it (the agents'
    replies to them are the contact's data too). Rows go now, files after commit."""
    return attachments_delete(
        attachments=Attachment.objects.filter(conversation__contact_id=contact.pk)
    )


def attachments_delete_unsent(*, now=None) -> int:
    """Uploads never sent in a message, older than ATTACHMENT_UNSENT_MAX_AGE_HOURS."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.DESTEK["ATTACHMENT_UNSENT_MAX_AGE_HOURS"])
    return attachments_delete(
        attachments=Attachment.objects.filter(message__isnull=True, created_at__lt=cutoff)
    )
