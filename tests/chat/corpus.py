"""Upload corpus made in the tests: real files from Pillow, a minimal PDF, and hostile ones."""

import io
import struct
import zlib

from PIL import Image


def image_bytes(fmt: str, *, size=(64, 48), color=(200, 30, 30), **save) -> bytes:
    out = io.BytesIO()
    mode = "RGB" if fmt in ("JPEG",) else "RGBA"
    Image.new(mode, size, color + ((255,) if mode == "RGBA" else ())).save(out, fmt, **save)
    return out.getvalue()


def png(**kwargs) -> bytes:
    return image_bytes("PNG", **kwargs)


def jpeg(**kwargs) -> bytes:
    return image_bytes("JPEG", **kwargs)


def webp(**kwargs) -> bytes:
    return image_bytes("WEBP", **kwargs)


def gif(*, frames: int = 1, size=(40, 30)) -> bytes:
    # Distinct frames, or Pillow merges identical ones.
    images = [Image.new("RGB", size, (index * 60 % 256, 20, 200)) for index in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=frames > 1, append_images=images[1:], duration=80, loop=0)
    return out.getvalue()


GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_with_gps(*, size=(60, 40)) -> bytes:
    """A camera-like JPEG: GPS position, camera model, orientation 6 (rotate 90° to view)."""
    image = Image.new("RGB", size, (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "DestekCam"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[ORIENTATION] = 6
    exif.get_ifd(GPS_IFD).update(
        {
            1: "N",
            2: (41.0, 0.0, 36.0),  # 41°00'36" N, Istanbul
            3: "E",
            4: (28.0, 58.0, 48.0),
        }
    )
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def pdf() -> bytes:
    """A minimal real one-page PDF (xref offsets computed)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def bomb_png(*, size=(8_000, 8_000)) -> bytes:
    """A real decompression bomb: 64 megapixels of one colour, a few KB on disk."""
    out = io.BytesIO()
    Image.new("1", size, 0).save(out, "PNG", optimize=True)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def huge_header_png(*, width=100_000, height=100_000) -> bytes:
    """A PNG whose header claims 10 gigapixels: refused before any pixel is decoded."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'


def gif_js_polyglot() -> bytes:
    """The classic GIF/JS polyglot: a GIF header whose width bytes open a JS comment, the
    image, then the comment closed and a script after the GIF trailer."""
    real = bytearray(gif(size=(4, 4)))
    real[6:8] = b"/*"  # logical screen width 0x2a2f: "GIF89a/*" is a JS comment start
    return bytes(real) + b"*/=1;alert(document.domain);//"


def png_html_polyglot() -> bytes:
    return png() + HTML
