"""support.channels: a conversation remembers its channel; what each channel carries."""

import pytest

from support import services
from support.channels import CAPABILITIES, channel_capabilities
from support.models import Conversation
from tests import factories

pytestmark = pytest.mark.django_db


def test_every_channel_declares_what_it_carries():
    assert set(CAPABILITIES) == set(Conversation.Channel)
    assert channel_capabilities("whatsapp").reply_window is not None
    assert channel_capabilities("widget").reply_window is None


def test_unknown_channel_is_refused():
    with pytest.raises(ValueError):
        channel_capabilities("fax")


def test_widget_conversations_start_with_the_bot_and_other_channels_in_the_queue():
    contact, _token = factories.visitor(widget_obj=factories.widget(bot_enabled=True))
    widget_conversation, _ = services.conversation_start(contact=contact, body="Merhaba")
    email_conversation, _ = services.conversation_start(
        contact=contact, body="Siparişim nerede?", channel=Conversation.Channel.EMAIL
    )
    assert widget_conversation.channel == "widget"
    assert widget_conversation.messages.filter(sender_type="bot").exists()
    assert email_conversation.channel == "email"
    # E-mail cannot carry the bot's buttons: a person answers it.
    assert email_conversation.status == Conversation.Status.QUEUED
    assert not email_conversation.messages.filter(sender_type="bot").exists()
