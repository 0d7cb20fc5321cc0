"""The demo's WhatsApp number: only with the demo on; the phone page goes through the real
webhook path and the pretend Graph API answers as the real one does."""

import pytest
from django.urls import reverse

from support.models import Conversation
from tests import factories
from whatsapp import demo
from whatsapp.models import Channel

pytestmark = pytest.mark.django_db


def test_without_the_demo_there_is_no_phone_nor_pretend_graph_api(client, settings):
    settings.DESTEK = {**settings.DESTEK, "DEMO": False}
    assert client.get(reverse("whatsapp_demo_phone")).status_code == 404
    url = f"/whatsapp/demo/graph/v21.0/{demo.DEMO_PHONE_NUMBER_ID}/messages"
    assert client.post(url, "{}", content_type="application/json").status_code == 404


def test_the_demo_phone_writes_through_the_webhook_path(client, settings):
    settings.DESTEK = {**settings.DESTEK, "DEMO": True}
    factories.widget(key="demo")
    factories.team(name="General")
    channel = demo.demo_channel_seed()
    assert demo.demo_channel_seed() == channel  # again: the same number
    assert Channel.objects.count() == 1
    assert client.get(reverse("whatsapp_demo_phone")).status_code == 200
    client.post(reverse("whatsapp_demo_phone"), {"text": "Bugün açık mısınız?"})
    conversation = Conversation.objects.get()
    assert conversation.channel == "whatsapp"
    assert conversation.contact.phone == "+905551112233"
    # A Turkish café: its number speaks Turkish, so do its customers' automatic lines.
    assert channel.language == conversation.contact.locale == "tr"


def test_the_pretend_graph_api_wants_the_demo_token(client, settings):
    settings.DESTEK = {**settings.DESTEK, "DEMO": True}
    url = f"/whatsapp/demo/graph/v21.0/{demo.DEMO_PHONE_NUMBER_ID}/messages"
    body = '{"to": "905551112233", "type": "text", "text": {"body": "Evet"}}'
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 401
    answer = client.post(
        url,
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {demo.DEMO_TOKEN}",
    )
    assert answer.json()["messages"][0]["id"].startswith("wamid.DEMO")


def test_the_demo_phone_says_whose_phone_it_is_in_turkish_without_a_suffix_to_guess(
    client, settings
):
    # A suffix after a name follows the name's last vowel ("Kaya'sınız", "Deniz'siniz"):
    # the Turkish line names the customer without one.
    settings.DESTEK = {**settings.DESTEK, "DEMO": True}
    page = client.get(reverse("whatsapp_demo_phone"), HTTP_ACCEPT_LANGUAGE="tr").content.decode()
    assert "Deniz Kaya olarak yazıyorsunuz" in page
    assert "'siniz" not in page
