"""The webhook: Meta's handshake, signatures, the sample payloads into conversations."""

import io
import json
import logging

import pytest
from PIL import Image

from support.models import Attachment, Contact, Conversation, Message
from whatsapp.models import InboundMessage, Thread

from .conftest import APP_SECRET, payload, post, sign

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (3, 2), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


def test_handshake_echoes_the_challenge_for_our_verify_token(client, channel):
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": "verify-me",
        "hub.challenge": "1158201444",
    }
    answer = client.get("/whatsapp/webhook/", query)
    assert answer.status_code == 200
    assert answer.content == b"1158201444"
    wrong = client.get("/whatsapp/webhook/", {**query, "hub.verify_token": "guess"})
    assert wrong.status_code == 403


def test_text_message_opens_a_queued_conversation_for_the_number(client, channel, graph):
    answer = post(client, payload("text"))
    assert answer.status_code == 200
    assert answer.json() == {"messages": 1, "statuses": 0}
    conversation = Conversation.objects.get()
    assert conversation.channel == "whatsapp"
    assert conversation.status == Conversation.Status.QUEUED
    assert conversation.team == channel.team
    assert conversation.contact.phone == "+16505551234"
    assert conversation.contact.name == "Sheena Nelson"
    assert conversation.contact.widget == channel.widget
    assert list(conversation.messages.values_list("sender_type", "body")) == [
        ("visitor", "Does it come in another color?")
    ]
    assert Thread.objects.get().wa_id == "16505551234"


def test_a_widget_contact_with_the_same_number_is_the_same_person(client, channel, graph):
    known = Contact.objects.create(widget=channel.widget, phone="+16505551234", name="Sheena N.")
    post(client, payload("text"))
    post(client, payload("location"))
    assert Contact.objects.count() == 1
    conversation = Conversation.objects.get()
    assert conversation.contact == known
    assert conversation.messages.count() == 2


def test_location_becomes_a_place_and_a_map_link(client, channel, graph):
    post(client, payload("location"))
    body = Message.objects.get().body
    assert "Solomon R. Guggenheim Museum" in body
    assert "https://maps.google.com/?q=40.782910059774,-73.959075808525" in body


def test_image_is_fetched_from_the_graph_api_and_stored_as_an_attachment(client, channel, graph):
    graph.media["MEDIA_ID"] = (PNG, "image/png")
    post(client, payload("image"))
    message = Message.objects.get()
    assert message.body == "Broken on arrival"
    attachment = Attachment.objects.get()
    assert attachment.message == message
    assert attachment.uploader_type == "visitor"
    assert attachment.content_type == "image/png"
    assert attachment.width == 3


def test_document_keeps_its_name(client, channel, graph):
    graph.media["MEDIA_ID"] = (
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        "application/pdf",
    )
    post(client, payload("document"))
    attachment = Attachment.objects.get()
    assert attachment.name == "invoice.pdf"
    assert attachment.content_type == "application/pdf"


def test_audio_the_upload_rules_refuse_is_a_clear_line_not_a_lost_message(client, channel, graph):
    graph.media["MEDIA_ID"] = (b"OggS\x00\x02" + b"\x00" * 200, "audio/ogg")
    assert post(client, payload("audio")).status_code == 200
    message = Message.objects.get()
    assert "could not be kept" in message.body
    assert not Attachment.objects.exists()


def test_oversized_media_is_refused_by_the_widget_limit(client, channel, graph, settings):
    settings.DESTEK = {**settings.DESTEK, "ATTACHMENT_MAX_BYTES": 1024}
    graph.media["MEDIA_ID"] = (PNG + b"\x00" * 4096, "image/png")
    assert post(client, payload("image")).status_code == 200
    message = Message.objects.get()
    assert "Broken on arrival" in message.body
    assert "larger than" in message.body
    assert not Attachment.objects.exists()


def test_meta_retrying_a_delivery_stores_the_message_once(client, channel, graph):
    data = payload("text", wamid="wamid.RETRIED")
    assert post(client, data).json() == {"messages": 1, "statuses": 0}
    # The same signed body again (a retry, or a replay of a captured post).
    assert post(client, data).json() == {"messages": 0, "statuses": 0}
    assert Message.objects.count() == 1
    assert InboundMessage.objects.get().wamid == "wamid.RETRIED"


@pytest.mark.parametrize("signature", ["", "sha256=" + "0" * 64, "sha1=abc", sign(b"another body")])
def test_missing_or_forged_signature_is_403_and_nothing_is_stored(client, channel, signature):
    answer = post(client, payload("text"), signature=signature)
    assert answer.status_code == 403
    assert not Message.objects.exists()
    assert not Contact.objects.exists()


def test_signed_with_another_app_secret_is_403(client, channel):
    assert post(client, payload("text"), secret="not-" + APP_SECRET).status_code == 403
    assert not Message.objects.exists()


def test_unknown_phone_number_id_is_a_logged_refusal(client, channel, caplog):
    with caplog.at_level(logging.WARNING, logger="destek.whatsapp"):
        answer = post(client, payload("text", phone_number_id="999999"))
    assert answer.status_code == 403
    assert "unknown phone number id 999999" in caplog.text
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"\xff\xfe", json.dumps({"entry": "x"}).encode(), json.dumps([1]).encode()],
)
def test_malformed_payload_is_400(client, channel, body):
    answer = post(client, body)
    assert answer.status_code == 400
    assert not Message.objects.exists()


def test_malformed_message_inside_a_signed_payload_is_400_not_500(client, channel):
    data = payload("text")
    del data["entry"][0]["changes"][0]["value"]["messages"][0]["from"]
    assert post(client, data).status_code == 400
    assert not Message.objects.exists()


def test_unknown_message_type_is_kept_with_a_note(client, channel, graph):
    data = payload("text")
    data["entry"][0]["changes"][0]["value"]["messages"][0]["type"] = "reaction"
    post(client, data)
    assert "reaction" in Message.objects.get().body
