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


@pytest.mark.parametrize(
    "path, english_texts, turkish_texts, alike",
    [
        pytest.param(
            "/widget/faq-texts",
            {"back": "Back to chat"},
            {"back": "Sohbete dön", "none": "“{q}” ile eşleşen makale yok."},
            {"none"},  # "“{q}”" stands the same in both
            id="faq",
        ),
        pytest.param(
            "/widget/history-texts",
            {"older": "Show older conversations"},
            {"older": "Daha eski konuşmaları göster", "pending": "Yanıtınız bekleniyor"},
            set(),
            id="history",
        ),
    ],
)
def test_a_panels_texts_follow_the_requested_language(
    client, path, english_texts, turkish_texts, alike
):
    english = client.get(path, {"lang": "en"}).json()
    turkish = client.get(path, {"lang": "tr-TR"}).json()
    assert english_texts.items() <= english.items()
    assert turkish_texts.items() <= turkish.items()
    assert set(english) == set(turkish)
    assert all(turkish[key] != english[key] for key in english if key not in alike)


def test_domain_errors_speak_the_visitors_language(client):
    response = client.post(
        "/api/widget/v1/session",
        {"widget_key": "nope"},
        content_type="application/json",
        headers={"accept-language": "tr"},
    )
    assert response.status_code == 404
    assert response.json()["error"]["detail"] == "Bu anahtara sahip etkin bir widget yok."
