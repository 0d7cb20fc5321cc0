"""The rating prompt on WhatsApp: a text with the rating page's link (WhatsApp cannot press the
widget's star buttons), sent inside the 24-hour window only; the link opens a page in the
customer's language that needs no login."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ratings.models import Rating
from support import services
from support.models import Contact, Conversation, Message
from tests import factories

from .conftest import payload, post

# Real commits: replies leave after commit (support.events), as in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def conversation(client, channel, graph):
    post(client, payload("text"))
    conversation = Conversation.objects.get()
    agent = factories.agent(teams=[channel.team])
    services.message_send(
        conversation=conversation,
        sender_type=Message.SenderType.AGENT,
        agent=agent.user,
        body="It comes in blue too.",
        visible_to=agent,
    )
    conversation.agent = agent
    return conversation


def prompts(graph) -> list[str]:
    return [p["text"]["body"] for p in graph.sent if "/rate/" in p.get("text", {}).get("body", "")]


def test_a_resolve_sends_the_customer_a_rating_link_in_their_language(conversation, graph):
    Contact.objects.filter(pk=conversation.contact_id).update(locale="tr")
    services.conversation_resolve(conversation=conversation, agent=conversation.agent.user)

    (text,) = prompts(graph)
    assert text.startswith("Nasıldık? Bu konuşmayı değerlendirin: http")
    assert graph.sent[-1]["to"] == "16505551234"
    prompt = conversation.messages.get(client_id__startswith="rating-prompt-")
    assert prompt.actions == [] and prompt.delivery == Message.Delivery.SENT

    path = "/" + re.search(r"https?://[^/]+/(\S+)", text).group(1)
    browser = Client()  # the customer's phone: no login, no cookie
    page = browser.get(path)
    assert page.status_code == 200
    assert "Nasıldık?" in page.content.decode()
    thanks = browser.post(path, {"score": "5", "comment": "Çok hızlıydınız"})
    assert "Teşekkürler!" in thanks.content.decode()
    rating = Rating.objects.get(current_for=conversation)
    assert (rating.score, rating.comment) == (5, "Çok hızlıydınız")
    # The link never opens another conversation, nor takes a forged token.
    assert browser.get(path[:-3] + "xyz/").status_code == 404


def test_after_the_24_hour_window_nobody_is_asked(conversation, graph):
    Message.objects.filter(conversation=conversation).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    sent_before = len(graph.sent)
    services.conversation_resolve(conversation=conversation, agent=conversation.agent.user)
    assert prompts(graph) == []
    assert len(graph.sent) == sent_before
    assert not conversation.messages.filter(client_id__startswith="rating-prompt-").exists()
