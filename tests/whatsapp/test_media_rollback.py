"""A WhatsApp image whose message is not stored (its transaction rolls back after the file was
saved) leaves no file in storage (support.services.attachment_files_guard)."""

from pathlib import Path

import pytest

from support import services as support_services
from support.models import Attachment, Message
from whatsapp.models import InboundMessage

from .conftest import payload, post
from .test_webhook import PNG

pytestmark = pytest.mark.django_db


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_a_failure_after_the_image_was_stored_leaves_no_file(
    client, channel, graph, settings, monkeypatch
):
    graph.media["MEDIA_ID"] = (PNG, "image/png")

    def broken(**kwargs):
        assert Attachment.objects.exists() and stored_files(settings)  # stored by now
        raise RuntimeError("database went away")

    monkeypatch.setattr(support_services, "visitor_message_send", broken)
    with pytest.raises(RuntimeError):
        post(client, payload("image"))
    assert not Attachment.objects.exists()
    assert not InboundMessage.objects.exists() and not Message.objects.exists()
    assert stored_files(settings) == []


def test_a_stored_image_keeps_its_file(client, channel, graph, settings):
    graph.media["MEDIA_ID"] = (PNG, "image/png")
    post(client, payload("image"))
    attachment = Attachment.objects.get()
    assert Path(settings.MEDIA_ROOT, attachment.file.name) in stored_files(settings)
