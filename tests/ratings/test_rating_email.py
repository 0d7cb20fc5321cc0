"""The rating prompt by email for a visitor who has left, and the signed link's page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from ratings import services
from ratings.links import SALT, rating_link_token
from ratings.models import Rating
from support import services as support_services
from support.models import Contact
from tests import factories

pytestmark = pytest.mark.django_db


def resolved_chat(*, email="elif@example.com", seen_ago=timedelta(minutes=10)):
    contact, _token = factories.visitor(contact_data={"email": email} if email else None)
    Contact.objects.filter(pk=contact.pk).update(last_seen_at=timezone.now() - seen_ago)
    agent = factories.agent(display_name="Ayşe")
    conversation = factories.conversation(contact=contact, body="The bill will not close")
    factories.message(
        conversation=conversation, sender_type="agent", agent_user=agent.user, body="Fixed it!"
    )
    support_services.conversation_resolve(conversation=conversation, agent=agent.user)
    return conversation


def test_a_visitor_who_left_gets_the_prompt_by_email_with_link_and_transcript(
    django_capture_on_commit_callbacks,
):
    conversation = resolved_chat()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.rating_prompt_send(conversation_id=conversation.pk)

    (email,) = mail.outbox
    assert email.to == ["elif@example.com"]
    assert f"#{conversation.pk}" in email.subject
    assert "/rate/" in email.body
    assert "The bill will not close" in email.body
    assert "Ayşe: Fixed it!" in email.body
    with django_capture_on_commit_callbacks(execute=True):
        assert not services.rating_prompt_send(conversation_id=conversation.pk)
    assert len(mail.outbox) == 1  # never twice


def test_the_prompt_emails_transcript_is_in_local_time_like_the_transcript_email(settings):
    settings.TIME_ZONE = "Europe/Istanbul"
    conversation = resolved_chat()
    late_evening_utc = datetime(2026, 3, 2, 21, 30, tzinfo=UTC)
    conversation.messages.filter(body="Fixed it!").update(created_at=late_evening_utc)

    services.rating_email_send(conversation_id=conversation.pk)

    (email,) = mail.outbox
    assert "[2026-03-03 00:30] Ayşe: Fixed it!" in email.body


@pytest.mark.parametrize(
    ("email", "seen_ago"),
    [("", timedelta(minutes=10)), ("elif@example.com", timedelta(seconds=30))],
    ids=["no email", "still in the widget"],
)
def test_no_email_without_an_address_or_while_the_visitor_is_here(
    django_capture_on_commit_callbacks, email, seen_ago
):
    conversation = resolved_chat(email=email, seen_ago=seen_ago)

    with django_capture_on_commit_callbacks(execute=True):
        services.rating_prompt_send(conversation_id=conversation.pk)

    assert mail.outbox == []


def link(conversation) -> str:
    return reverse("rating_link", args=[rating_link_token(conversation_id=conversation.pk)])


def test_the_link_page_stores_one_rating(client):
    conversation = resolved_chat()

    page = client.get(link(conversation))
    posted = client.post(link(conversation), {"score": "4", "comment": "Quick, thanks"})

    assert page.status_code == 200
    assert b"How did we do?" in page.content
    assert posted.status_code == 200
    assert b"Thank you!" in posted.content
    rating = Rating.objects.get(conversation=conversation)
    assert (rating.score, rating.comment) == (4, "Quick, thanks")
    again = client.get(link(conversation))
    assert b"Already rated" in again.content


def test_bad_scores_are_refused_and_nothing_is_stored(client):
    conversation = resolved_chat()

    response = client.post(link(conversation), {"score": "9"})

    assert response.status_code == 400
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    "token",
    ["forged", signing.dumps({"c": 1}, salt="another-salt"), signing.dumps({"c": "1"}, salt=SALT)],
    # Fixed ids: the signed values change with each run's key (parallel workers must agree).
    ids=["forged", "another-salt", "text-id"],
)
def test_forged_links_are_404(client, token):
    resolved_chat()
    assert client.get(reverse("rating_link", args=[token])).status_code == 404


def test_expired_links_are_404(client, monkeypatch):
    conversation = resolved_chat()
    url = link(conversation)
    monkeypatch.setattr("ratings.links.MAX_AGE_SECONDS", -1)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("accept_language", "text"),
    [
        ("tr", "Bu değerlendirme bağlantısı geçersiz ya da süresi dolmuş."),
        ("en", "This rating link is not valid or has expired."),
    ],
)
def test_an_expired_link_says_so_in_the_browsers_language(
    client, monkeypatch, accept_language, text
):
    url = link(resolved_chat())
    monkeypatch.setattr("ratings.links.MAX_AGE_SECONDS", -1)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=accept_language)
    assert response.status_code == 404
    assert text in response.content.decode()
