"""Every visitor-facing line speaks the contact's language (support.languages), whatever
language the agent's own request was in."""

import pytest
from django.utils import translation

from support import services
from support.languages import contact_language, language_code, text_in_language
from support.models import Contact, Message
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("locale", "device", "expected"),
    [
        ("tr-TR", {}, "tr"),
        ("TR", {}, "tr"),
        ("", {"locale": "tr_TR"}, "tr"),
        ("en-GB", {"locale": "tr-TR"}, "en"),
        ("de", {}, "en"),
        ("", {}, "en"),
    ],
)
def test_contact_language_reads_the_locale_then_the_device(locale, device, expected):
    assert contact_language(Contact(locale=locale, device=device)) == expected


@pytest.mark.parametrize(
    ("language", "tr", "expected"),
    [("tr-TR", "Merhaba", "Merhaba"), ("tr", "", "Hello"), ("en", "Merhaba", "Hello")],
)
def test_a_text_in_both_languages_is_turkish_only_for_a_turkish_reader_with_a_turkish_text(
    language, tr, expected
):
    assert text_in_language(language, en="Hello", tr=tr) == expected


def test_every_text_in_both_languages_follows_the_site_language_when_none_is_given(settings):
    from support.models import AttributeDefinition, Widget

    settings.LANGUAGE_CODE = "tr"
    attribute = AttributeDefinition(label_en="Table", label_tr="Masa")
    widget = Widget(
        assistant_name_en="Assistant",
        assistant_name_tr="Asistan",
        launcher_text_en="Chat",
        launcher_text_tr="Sohbet",
    )

    assert attribute.label_for(None) == "Masa"
    assert widget.assistant_name_for("") == "Asistan"
    assert widget.launcher_text_for(None) == "Sohbet"
    assert attribute.label_for("en-GB") == "Table"


def test_language_code_of_odd_values():
    assert [language_code(v) for v in ("tr", " tr-TR", None, 3, "english")] == [
        "tr",
        "tr",
        "en",
        "en",
        "en",
    ]


def system_lines(conversation) -> list[str]:
    return list(
        Message.objects.filter(conversation=conversation, sender_type="system")
        .order_by("id")
        .values_list("body", flat=True)
    )


def test_system_lines_are_in_the_turkish_visitors_language_not_the_agents(turkish_chat):
    ayse = factories.agent(display_name="Ayşe Demir")
    mehmet = factories.agent(display_name="Mehmet")
    with translation.override("en"):  # the agent's console is in English
        services.conversation_transfer(
            conversation=turkish_chat, by_user=ayse.user, topic_slug="order"
        )
        services.conversation_assign(
            conversation=turkish_chat, to_user=mehmet.user, by_user=ayse.user
        )
        services.conversation_resolve(conversation=turkish_chat, agent=mehmet.user)

    assert system_lines(turkish_chat) == [
        "Ayşe Demir bu konuşmayı şuraya taşıdı: Sipariş.",
        "Ayşe Demir bu konuşmayı Mehmet adlı temsilciye atadı.",
        "Mehmet bu konuşmayı çözüldü olarak işaretledi.",
    ]


def test_an_english_visitor_reads_english_when_the_agent_works_in_turkish():
    factories.topic(slug="order", name_en="Order", name_tr="Sipariş")
    contact, _token = factories.visitor(locale="en-US")
    conversation = factories.conversation(contact=contact)
    ayse = factories.agent(display_name="Ayşe Demir")
    with translation.override("tr"):
        services.conversation_transfer(
            conversation=conversation, by_user=ayse.user, topic_slug="order"
        )

    assert system_lines(conversation) == ["Ayşe Demir moved this conversation to Order."]
