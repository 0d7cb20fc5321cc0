"""The widget speaks the host app's locale (`?lang=`, app mode `?locale=`) over the browser's,
and its lazily loaded help panel gets its texts from the server in that language."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "browser", "lang", "placeholder"),
    [
        ("", "tr-TR,tr;q=0.9", "tr", "Bir mesaj yazın…"),
        ("", "en-US", "en", "Write a message…"),
        ("&lang=tr-TR", "en-US", "tr", "Bir mesaj yazın…"),
        ("&lang=en", "tr", "en", "Write a message…"),
        ("&mode=app&locale=tr", "en", "tr", "Bir mesaj yazın…"),
        ("&lang=xx", "tr", "tr", "Bir mesaj yazın…"),
    ],
)
def test_widget_page_language(client, query, browser, lang, placeholder):
    widget = factories.widget(key="shop")
    response = client.get(f"/widget/?key={widget.key}{query}", headers={"accept-language": browser})
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in page
    assert f'placeholder="{placeholder}"' in page
    assert response.headers["Content-Language"] == lang


def test_faq_texts_follow_the_requested_language(client):
    english = client.get("/widget/faq-texts", {"lang": "en"}).json()
    turkish = client.get("/widget/faq-texts", {"lang": "tr-TR"}).json()
    assert english["back"] == "Back to chat"
    assert turkish["back"] == "Sohbete dön"
    assert turkish["none"] == "“{q}” ile eşleşen makale yok."
    assert set(english) == set(turkish)
    assert all(turkish[key] != english[key] for key in english if key not in {"none"})


def test_history_texts_follow_the_requested_language(client):
    english = client.get("/widget/history-texts", {"lang": "en"}).json()
    turkish = client.get("/widget/history-texts", {"lang": "tr-TR"}).json()
    assert english["older"] == "Show older conversations"
    assert turkish["older"] == "Daha eski konuşmaları göster"
    assert turkish["pending"] == "Yanıtınız bekleniyor"
    assert set(english) == set(turkish)
    assert all(turkish[key] != english[key] for key in english)


def test_domain_errors_speak_the_visitors_language(client):
    response = client.post(
        "/api/widget/v1/session",
        {"widget_key": "nope"},
        content_type="application/json",
        headers={"accept-language": "tr"},
    )
    assert response.status_code == 404
    assert response.json()["error"]["detail"] == "Bu anahtara sahip etkin bir widget yok."
