"""The demo's support address (`make run`): an e-mail conversation in the console with no mail
server, loaded once however often the demo is seeded."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from emails import demo
from emails.models import InboundEmail, SupportAddress
from support.models import Conversation

pytestmark = pytest.mark.django_db


def seed(command: str) -> None:
    call_command(command, stdout=StringIO())


def test_the_demo_shows_an_email_conversation_in_the_console(settings):
    settings.DESTEK = {**settings.DESTEK, "DEMO": True}
    seed("seed_demo")
    seed("emails_seed_demo")
    seed("emails_seed_demo")  # again: nothing twice
    address = SupportAddress.objects.get()
    assert address.address == demo.DEMO_ADDRESS and address.team.slug == "general"
    conversation = Conversation.objects.get(channel=Conversation.Channel.EMAIL)
    assert conversation.team == address.team
    assert InboundEmail.objects.get().status == InboundEmail.Status.POSTED
    assert conversation.contact.email == "can@musteri.example"
    assert address.language == conversation.contact.locale == "tr"

    client = Client()
    assert client.login(username="agent", password="agent-demo-123")
    inbox_page = client.get(reverse("console:inbox"), {"view": "all"}).content.decode()
    assert f'id="conv-row-{conversation.pk}"' in inbox_page
    assert 'data-channel="email"' in inbox_page
    page = client.get(reverse("console:conversation", args=[conversation.pk])).content.decode()
    assert "12 kişilik" in page
    assert "0532 000 00 00" not in page  # the signature is trimmed; the original keeps it
    assert "Original e-mail" in page


def test_without_the_demo_or_debug_there_is_no_demo_address(settings):
    settings.DESTEK = {**settings.DESTEK, "DEMO": False}
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DESTEK_DEMO=1"):
        seed("emails_seed_demo")
    assert not SupportAddress.objects.exists()
