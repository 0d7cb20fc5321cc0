"""The texts of the widget's lazily loaded attachments module, in the page's language."""

import io

import pytest

from tests import factories
from tests.chat import corpus

pytestmark = pytest.mark.django_db


def test_files_texts_follow_the_requested_language(client, settings):
    english = client.get("/widget/files-texts", {"lang": "en"}).json()
    turkish = client.get("/widget/files-texts", {"lang": "tr"}).json()

    assert english["type"] == "This kind of file cannot be sent."
    assert turkish["type"] == "Bu türde bir dosya gönderilemez."
    assert turkish["uploading"] == "{name} yükleniyor…"
    assert english["limit"] == settings.DESTEK["ATTACHMENTS_PER_MESSAGE"]
    assert english["max_bytes"] == settings.DESTEK["ATTACHMENT_MAX_BYTES"]
    assert set(english) == set(turkish)


def test_an_unknown_language_falls_back_to_english(client):
    assert client.get("/widget/files-texts", {"lang": "xx"}).json()["close"] == "Close"


def test_upload_errors_speak_turkish_to_a_turkish_browser(client):
    contact, token = factories.visitor()
    conversation = factories.conversation(contact=contact)
    handle = io.BytesIO(corpus.HTML)
    handle.name = "x.png"
    response = client.post(
        f"/api/widget/v1/conversations/{conversation.pk}/attachments",
        {"file": handle},
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE="tr",
    )
    assert response.status_code == 415
    assert response.json()["error"]["detail"].startswith("Bu türde bir dosya gönderilemez")
