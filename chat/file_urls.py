"""Short-lived URLs for attachment files: the only way a file leaves storage.

Whoever gets a URL was checked first (the conversation's visitor by their token, an agent by
the access-checked selectors); the URL itself is a capability that expires after
DESTEK["ATTACHMENT_URL_MAX_AGE_SECONDS"]. S3: a presigned GET that forces the content type and
disposition. Local storage: a signed path served by chat.views.attachment_file.
"""

from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.urls import reverse

from support.models import Attachment

SALT = "chat.attachment-file"
VARIANTS = ("file", "thumbnail")


def max_age() -> int:
    return settings.DESTEK["ATTACHMENT_URL_MAX_AGE_SECONDS"]


def disposition(attachment: Attachment, *, variant: str) -> str:
    """Images (re-encoded raster only, never SVG) inline; everything else downloads."""
    kind = "inline" if variant == "thumbnail" or attachment.is_image else "attachment"
    name = attachment.name if variant == "file" else f"{attachment.name}.webp"
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def content_type(attachment: Attachment, *, variant: str) -> str:
    if variant == "thumbnail":
        return "image/webp"
    if attachment.content_type.startswith("text/"):
        return f"{attachment.content_type}; charset=utf-8"
    return attachment.content_type


def signed_url(attachment: Attachment, *, variant: str = "file") -> str | None:
    name = attachment.thumbnail.name if variant == "thumbnail" else attachment.file.name
    if not name:
        return None
    if settings.STORAGE_KIND == "s3":
        return default_storage.url(
            name,
            parameters={
                "ResponseContentType": content_type(attachment, variant=variant),
                "ResponseContentDisposition": disposition(attachment, variant=variant),
            },
            expire=max_age(),
        )
    token = signing.dumps({"a": attachment.pk, "v": variant}, salt=SALT, compress=False)
    return reverse("attachment_file", kwargs={"token": token})


def token_read(token: str) -> tuple[int, str] | None:
    """(attachment id, variant) from a local file URL's token, or None if bad or expired."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age())
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    if not isinstance(payload, dict) or payload.get("v") not in VARIANTS:
        return None
    if not isinstance(payload.get("a"), int):
        return None
    return payload["a"], payload["v"]
