"""The transcript e-mail is in the contact's language, system lines included."""

import pytest
from django.utils import translation

from emails import services as email_services
from support import services
from tests import factories

from .conftest import text_of

pytestmark = pytest.mark.django_db


def test_the_turkish_transcript_email_carries_the_turkish_system_lines(
    turkish_chat, smtp, django_capture_on_commit_callbacks
):
    ayse = factories.agent(display_name="Ayşe Demir")
    email_services.contact_email_leave(
        contact=turkish_chat.contact, email="ayse@example.org", transcript=True
    )
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.conversation_transfer(
            conversation=turkish_chat, by_user=ayse.user, topic_slug="order"
        )
        services.conversation_resolve(conversation=turkish_chat, agent=ayse.user)

    (transcript,) = [m for _r, m in smtp if "#" in m["Subject"]]
    text = text_of(transcript)
    assert "bu konuşmayı şuraya taşıdı: Sipariş." in text
    assert "moved this conversation" not in text
