"""Uploads from the widget and the console: read the request's file, validate its content
(chat.uploads, images decoded under chat.image_work's bound), then store it through
support.services (attachment_upload_check before reading, attachment_store after)."""

from django.utils.translation import gettext as _

from support import errors
from support import services as support_services
from support.models import Attachment, Conversation

from . import image_work, uploads


def _read(uploaded_file) -> bytes:
    """At most the limit plus one byte: enough to know the file is too large."""
    if uploaded_file is None:
        raise errors.InvalidInput(_("Choose a file to send."), code="file_required")
    limit = uploads.max_bytes()
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise uploads.too_large()
    uploaded_file.seek(0)
    return uploaded_file.read(limit + 1)


def attachment_upload(
    *,
    conversation: Conversation,
    uploaded_file,
    uploader_type: str,
    agent=None,
    ip_address: str | None = None,
) -> Attachment:
    """Validate one uploaded file by its content, store it and record it, unsent.

    Raises 400 (empty), 413 (bytes or pixels over the limits), 415 (not an allowed type),
    429 (too many uploads), 409 (a visitor uploading into a resolved conversation), 503 (no
    image slot freed in time). Images are decoded under chat.image_work's bound; this runs on
    the request's own thread (under ASGI each request has its own thread-sensitive executor),
    so waiting for a slot holds up no other request.
    """
    support_services.attachment_upload_check(
        conversation=conversation, uploader_type=uploader_type, agent=agent, ip_address=ip_address
    )
    data, name = _read(uploaded_file), getattr(uploaded_file, "name", "")
    if uploads.is_image(data):
        checked = image_work.run(uploads.check, data=data, name=name)
    else:
        checked = uploads.check(data=data, name=name)
    return support_services.attachment_store(
        conversation=conversation, checked=checked, uploader_type=uploader_type, agent=agent
    )
