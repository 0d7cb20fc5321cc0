"""What an uploaded file really is, decided by its content, never by its name or the client's
content type; and the bytes we store for it (images re-encoded, thumbnails made).

Pure functions over bytes: no database, no storage. chat.attachments stores what this returns.

Allowed (docs/protocol.md): png, jpeg, webp, gif (re-encoded by Pillow: metadata such as EXIF/GPS
dropped, EXIF orientation applied, animations kept frame by frame, downscaled to
ATTACHMENT_MAX_IMAGE_SIDE and kept within the byte limit), pdf (by signature), txt and
csv (UTF-8 without NUL). Anything else is 415; past the byte or pixel limits 413; empty 400.
"""

import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from support import errors

THUMBNAIL_BOX = (320, 320)
MAX_GIF_FRAMES = 300
NAME_MAX_CHARS = 120

# Pillow format → (content type, extension, Pillow save format).
IMAGE_FORMATS = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
}
EXTENSIONS = {
    "image/png": {"png"},
    "image/jpeg": {"jpg", "jpeg"},
    "image/webp": {"webp"},
    "image/gif": {"gif"},
    "application/pdf": {"pdf"},
    "text/plain": {"txt", "text", "log"},
    "text/csv": {"csv"},
}
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
)
PNG_END = b"IEND\xaeB`\x82"


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed validation: what to store and what to record about it."""

    content: bytes
    content_type: str
    extension: str
    name: str
    sha256: str
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None

    @property
    def size(self) -> int:
        return len(self.content)


def max_bytes() -> int:
    return settings.DESTEK["ATTACHMENT_MAX_BYTES"]


def unsupported() -> errors.UnsupportedType:
    return errors.UnsupportedType(
        _("This kind of file cannot be sent. Allowed: PNG, JPEG, WebP, GIF, PDF, TXT and CSV."),
        code="unsupported_type",
    )


def too_large() -> errors.TooLarge:
    limit_mb = max_bytes() / 2**20
    return errors.TooLarge(
        _("The file is larger than %(limit)s MB.") % {"limit": f"{limit_mb:g}"},
        code="file_too_large",
    )


def image_too_large() -> errors.TooLarge:
    limit_mp = settings.DESTEK["ATTACHMENT_MAX_IMAGE_PIXELS"] / 1_000_000
    return errors.TooLarge(
        _("The image is larger than %(limit)s megapixels.") % {"limit": f"{limit_mp:g}"},
        code="image_too_large",
    )


# Control characters (Cc), format characters (Cf: bidi overrides/isolates such as U+202E,
# zero-width joiners, BOM) and separators other than a plain space: never in a display name.
def _allowed_char(char: str) -> bool:
    category = unicodedata.category(char)
    return not (category in ("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp") or (category == "Zs"))


def sanitize_name(raw: object, *, content_type: str, extension: str) -> str:
    """The original name, safe to display and to send as a download name.

    Path parts (either slash), control and bidi characters go; the extension is made to match
    what the content really is ("invoice.pdf.exe" holding a PDF becomes "invoice.pdf.exe.pdf").
    """
    name = raw if isinstance(raw, str) else ""
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(
        char if _allowed_char(char) else (" " if char.isspace() else "") for char in name
    )
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if ext.lower() not in EXTENSIONS[content_type]:
        stem, ext = name, extension
    stem = stem.strip(" .")[: NAME_MAX_CHARS - len(ext) - 1] or _("file")
    return f"{stem}.{ext}"


def check(*, data: bytes, name: object) -> CheckedFile:
    """Validate one upload's bytes; raise 400/413/415 domain errors, or return what to store."""
    if not data:
        raise errors.InvalidInput(_("The file is empty."), code="empty_file")
    if len(data) > max_bytes():
        raise too_large()
    image_format = _image_signature(data)
    if image_format is not None:
        return _check_image(data=data, name=name, signature_format=image_format)
    if data.startswith(b"%PDF-"):
        return _check_pdf(data=data, name=name)
    return _check_text(data=data, name=name)


def is_image(data: bytes) -> bool:
    """Whether check() decodes these bytes as an image: the work chat.image_work bounds."""
    return _image_signature(data) is not None


def _image_signature(data: bytes) -> str | None:
    for signature, image_format in SIGNATURES:
        if data.startswith(signature):
            return image_format
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _checked(*, content: bytes, content_type: str, extension: str, name: object, **extra):
    return CheckedFile(
        content=content,
        content_type=content_type,
        extension=extension,
        name=sanitize_name(name, content_type=content_type, extension=extension),
        sha256=hashlib.sha256(content).hexdigest(),
        **extra,
    )


def _check_pdf(*, data: bytes, name: object) -> CheckedFile:
    # A PDF starts with its header and ends with %%EOF (a few bytes of whitespace may follow).
    if not re.match(rb"%PDF-\d\.\d", data) or b"%%EOF" not in data[-1024:]:
        raise unsupported()
    return _checked(content=data, content_type="application/pdf", extension="pdf", name=name)


# What a browser would sniff as HTML, XML or a PDF (WHATWG MIME sniffing): never text here.
MARKUP = re.compile(
    rb"\A(?:\xef\xbb\xbf)?[\t\n\x0c\r ]*<(?:!doctype html|html|head|script|iframe|h1|div|font|"
    rb"table|a|style|title|b|body|br|p|svg|\?xml|!--)[\t\n\x0c\r >/]",
    re.IGNORECASE,
)
TEXT_NAME_EXTENSIONS = {"txt", "text", "log", "csv", ""}


def _extension(name: object) -> str:
    if not isinstance(name, str):
        return ""
    base = re.split(r"[/\\]", name)[-1].strip(" .")
    stem, dot, ext = base.rpartition(".")
    return ext.lower() if dot and stem else ""


def _check_text(*, data: bytes, name: object) -> CheckedFile:
    # Text is the fallback for what no signature matched, so a file named as another kind
    # ("page.png" holding HTML) is not quietly turned into text: its name lies.
    extension = _extension(name)
    if extension not in TEXT_NAME_EXTENSIONS or b"\x00" in data or MARKUP.match(data):
        raise unsupported()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise unsupported() from None
    is_csv = extension == "csv"
    content_type, extension = ("text/csv", "csv") if is_csv else ("text/plain", "txt")
    return _checked(content=data, content_type=content_type, extension=extension, name=name)


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS))


def _check_image(*, data: bytes, name: object, signature_format: str) -> CheckedFile:
    max_pixels = settings.DESTEK["ATTACHMENT_MAX_IMAGE_PIXELS"]
    # Pillow's decompression-bomb guard, set explicitly: it warns past MAX_IMAGE_PIXELS and
    # raises past twice that; both are refusals here.
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with _open(data) as probe:
                if probe.format != signature_format:
                    raise unsupported()
                if probe.width * probe.height > max_pixels:
                    raise image_too_large()
                probe.verify()
            # verify() leaves the image unusable: open again to decode every pixel.
            with _open(data) as image:
                frames = getattr(image, "n_frames", 1)
                if frames > MAX_GIF_FRAMES or frames * image.width * image.height > max_pixels:
                    raise image_too_large()
                if signature_format in ("PNG", "GIF") and not _ends_cleanly(data, image.format):
                    # Bytes after the format's end: the mark of a polyglot (GIF/JS, PNG/HTML).
                    raise unsupported()
                content, width, height, thumbnail = _reencode(image, frames=frames)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise image_too_large() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise unsupported() from None
    content_type, extension = IMAGE_FORMATS[signature_format]
    return _checked(
        content=content,
        content_type=content_type,
        extension=extension,
        name=name,
        width=width,
        height=height,
        thumbnail=thumbnail,
    )


def _ends_cleanly(data: bytes, image_format: str) -> bool:
    tail = data.rstrip(b"\x00\r\n\t ")
    if image_format == "PNG":
        return tail.endswith(PNG_END)
    return tail.endswith(b"\x3b")  # the GIF trailer


def _fitted(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The size within a max_side square, aspect kept; never larger than the source."""
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _scaled(image: Image.Image, scale: float) -> Image.Image:
    size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def _still_frame(image: Image.Image, *, max_side: int) -> Image.Image:
    """The decoded picture, at most max_side on its longest side, EXIF orientation applied.

    A JPEG is decoded straight at 1/2, 1/4 or 1/8 scale when that still covers the stored size
    (draft), so a large photo never exists in memory at full size; the others are decoded once
    and reduced in place before anything is copied.
    """
    image.draft(None, _fitted(image.width, image.height, max_side))
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    frame = ImageOps.exif_transpose(image)
    frame.info = {}
    return frame


def _animation(image: Image.Image, *, max_side: int) -> tuple[list[Image.Image], list[int]]:
    """Every frame of an animated GIF/WebP (downscaled like a still) and its duration."""
    frames, durations = [], []
    size = _fitted(image.width, image.height, max_side)
    for index in range(image.n_frames):
        image.seek(index)
        frame = image.convert("RGBA")
        if frame.size != size:
            frame = frame.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
        frame.info = {}
        frames.append(frame)
        durations.append(int(image.info.get("duration", 100)) or 100)
    return frames, durations


# A re-encoded image over the byte limit is scaled down this many times before it is refused.
SHRINK_ATTEMPTS = 2


def _reencode(image: Image.Image, *, frames: int) -> tuple[bytes, int, int, bytes]:
    """New bytes from the decoded pixels only: no EXIF, GPS, XMP or comments survive.

    What is stored keeps within ATTACHMENT_MAX_IMAGE_SIDE and, like the upload, within
    ATTACHMENT_MAX_BYTES (a re-encoding can be larger than its source: it is scaled down).
    """
    source_format = image.format
    icc_profile = image.info.get("icc_profile")
    max_side = settings.DESTEK["ATTACHMENT_MAX_IMAGE_SIDE"]
    if frames > 1 and source_format in ("GIF", "WEBP"):
        pictures, durations = _animation(image, max_side=max_side)
        loop = int(image.info.get("loop", 0))
    else:
        pictures, durations, loop = [_still_frame(image, max_side=max_side)], [], 0
    for _attempt in range(SHRINK_ATTEMPTS + 1):
        out = io.BytesIO()
        if durations:
            _animated_save(
                pictures, out, source_format=source_format, durations=durations, loop=loop
            )
        else:
            _still_save(pictures[0], out, source_format=source_format, icc_profile=icc_profile)
        if out.tell() <= max_bytes():
            break
        # Pixels are what the bytes grow with: aim a little under the limit.
        scale = (max_bytes() / out.tell()) ** 0.5 * 0.9
        pictures = [_scaled(picture, scale) for picture in pictures]
    else:
        raise too_large()
    first = pictures[0]
    thumb = first.copy()
    thumb.thumbnail(THUMBNAIL_BOX)
    thumb = thumb.convert("RGBA" if _has_alpha(thumb) else "RGB")
    thumbnail = io.BytesIO()
    thumb.save(thumbnail, "WEBP", quality=80, method=4)
    return out.getvalue(), first.width, first.height, thumbnail.getvalue()


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def _still_save(image, out, *, source_format: str, icc_profile) -> None:
    extra = {"icc_profile": icc_profile} if icc_profile else {}
    if source_format == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=90, optimize=True, **extra)
    elif source_format == "WEBP":
        image.save(out, "WEBP", quality=90, method=4, **extra)
    elif source_format == "GIF":
        image.save(out, "GIF")
    else:
        image.save(out, "PNG", optimize=False, **extra)


def _animated_save(frames, out, *, source_format: str, durations: list[int], loop: int) -> None:
    """Animated GIF/WebP: every frame re-encoded with its timing."""
    extra = {"disposal": 2} if source_format == "GIF" else {"quality": 90}
    frames[0].save(
        out,
        source_format,
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=loop,
        **extra,
    )


# Room for the multipart envelope (boundaries, headers, the file name) around one file.
MULTIPART_OVERHEAD_BYTES = 16 * 1024


def request_file(request):
    """The multipart `file` part of an upload request.

    413 from the Content-Length alone, before Django reads (or spools) the body; a malformed
    body is 400, not a server error.
    """
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_bytes() + MULTIPART_OVERHEAD_BYTES:
        raise too_large()
    try:
        return request.FILES.get("file")
    except (MultiPartParserError, BadRequest):
        raise errors.InvalidInput(
            _("The upload must be multipart/form-data with a file part."), code="invalid_upload"
        ) from None
