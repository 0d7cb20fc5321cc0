"""A received mail whose transaction rolls back after its attachment was stored leaves no
file in storage (support.services.attachment_files_guard)."""

from pathlib import Path

import pytest

from emails import inbox
from emails.models import InboundEmail
from support.models import Attachment, Message

from .conftest import mail, png_bytes

pytestmark = pytest.mark.django_db


def mail_with_a_picture() -> bytes:
    return bytes(
        mail(
            subject="Kırık bardak",
            body="Fotoğrafı ekledim.",
            files=[("a.png", png_bytes(), "image", "png")],
        )
    )


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_a_mail_stored_meanwhile_by_another_delivery_leaves_no_file(address, settings, monkeypatch):
    recorded = inbox._record

    def raced(**fields):
        # The same mail, recorded a moment earlier by a concurrent poll or webhook call: the
        # second insert breaks the unique Message-ID and the whole transaction rolls back.
        recorded(**fields)
        return recorded(**fields)

    monkeypatch.setattr(inbox, "_record", raced)
    result = inbox.mail_receive(support_address=address, raw=mail_with_a_picture())
    assert result.status == "duplicate"
    assert not Attachment.objects.exists()
    assert not Message.objects.exists()
    assert stored_files(settings) == []


def test_a_failure_after_the_file_was_stored_removes_it_and_is_raised(
    address, settings, monkeypatch
):
    def broken(**fields):
        raise RuntimeError("database went away")

    monkeypatch.setattr(inbox, "_record", broken)
    with pytest.raises(RuntimeError):
        inbox.mail_receive(support_address=address, raw=mail_with_a_picture())
    assert not InboundEmail.objects.exists()
    assert stored_files(settings) == []


def test_a_committed_mail_keeps_its_file(address, settings):
    result = inbox.mail_receive(support_address=address, raw=mail_with_a_picture())
    assert result.status == "posted"
    attachment = Attachment.objects.get()
    assert Path(settings.MEDIA_ROOT, attachment.file.name) in stored_files(settings)
