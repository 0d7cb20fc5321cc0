"""Internal notes: agents write them in a conversation; they never reach the visitor."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chat import realtime as transport
from console import realtime
from ratings import services as rating_services
from support import errors, selectors
from support import services as support_services
from support.models import Contact, Conversation, Note
from tests import factories
from tests.factories import logged_in

pytestmark = pytest.mark.django_db

SECRET = "NOTE-SECRET refund fraud suspected"


def note_url(conversation) -> str:
    return reverse("console:conversation_note_create", args=[conversation.pk])


@pytest.fixture
def sent(monkeypatch):
    """Every (group, event) the realtime layer publishes."""
    outgoing = []
    monkeypatch.setattr(transport, "publish", lambda messages: outgoing.extend(messages))
    return outgoing


# --- services ------------------------------------------------------------------------------------


def test_mentions_are_parsed_from_usernames():
    assert support_services.mention_usernames(
        "@Ali.Kaya please check, cc @ayse. Mail me at a@b.com @ali.kaya"
    ) == ["ali.kaya", "ayse"]
    assert support_services.mention_usernames("no mentions") == []


@pytest.mark.parametrize(
    ("body", "code"), [("  ", "empty_note"), ("x" * 4001, "body_too_long"), (5, "invalid_body")]
)
def test_bad_notes_are_refused(body, code):
    agent = factories.agent()
    conversation = factories.conversation()
    with pytest.raises(errors.InvalidInput) as raised:
        support_services.note_create(conversation=conversation, author=agent, body=body)
    assert raised.value.code == code
    assert not Note.objects.exists()


def test_only_agents_who_may_see_the_conversation_are_mentioned(
    django_capture_on_commit_callbacks, sent
):
    team, other_team = factories.team(), factories.team()
    topic = factories.topic(team=team)
    conversation = factories.conversation(topic_slug=topic.slug)
    author = factories.agent(username="author", teams=[team])
    colleague = factories.agent(username="Colleague", teams=[team])
    outsider = factories.agent(username="outsider", teams=[other_team])
    boss = factories.supervisor(username="boss")
    sent.clear()

    with django_capture_on_commit_callbacks(execute=True):
        note = support_services.note_create(
            conversation=conversation,
            author=author,
            body="@colleague @outsider @boss @author @nobody have a look",
        )

    assert set(note.mentions.values_list("username", flat=True)) == {"Colleague", "boss"}
    groups = [group for group, _event in sent]
    assert realtime.console_agent_group(colleague.user_id) in groups
    assert realtime.console_agent_group(boss.user_id) in groups
    assert realtime.console_agent_group(outsider.user_id) not in groups
    assert realtime.console_agent_group(author.user_id) not in groups
    assert realtime.console_conversation_group(conversation.pk) in groups


def test_a_note_changes_nothing_the_visitor_sees(django_capture_on_commit_callbacks, sent):
    contact, _token = factories.visitor()
    conversation = factories.conversation(contact=contact, body="Hello")
    agent = factories.agent()
    before = Conversation.objects.get(pk=conversation.pk)
    sent.clear()

    with django_capture_on_commit_callbacks(execute=True):
        factories.note(conversation=conversation, author=agent, body=SECRET)

    after = Conversation.objects.get(pk=conversation.pk)
    for field in (
        "last_message_preview",
        "last_message_at",
        "first_response_at",
        "status",
        "assignee_id",
        "visitor_last_read_id",
        "agent_last_read_id",
        "bot_turns",
    ):
        assert getattr(after, field) == getattr(before, field), field
    assert sent, "the consoles were told"
    assert all(not group.startswith("visitor.") for group, _event in sent)
    assert SECRET not in json.dumps([e for g, e in sent if g.startswith("visitor.")])


# --- the visitor's every read path ----------------------------------------------------------------


def test_no_visitor_api_read_shows_a_note(client):
    widget = factories.widget()
    contact, token = factories.visitor(widget_obj=widget)
    conversation = factories.conversation(contact=contact, body="Hello")
    agent = factories.agent()
    factories.note(conversation=conversation, author=agent, body=SECRET)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    messages = client.get(f"/api/widget/v1/conversations/{conversation.pk}/messages", **auth)
    after = client.get(
        f"/api/widget/v1/conversations/{conversation.pk}/messages",
        {"after": 0, "limit": 500},
        **auth,
    )
    session = client.post(
        "/api/widget/v1/session",
        json.dumps({"widget_key": widget.key, "visitor_token": token}),
        content_type="application/json",
    )
    for response in (messages, after, session):
        assert response.status_code == 200
        assert SECRET not in response.content.decode()
        assert "NOTE-SECRET" not in response.content.decode()
    (listed,) = session.json()["conversations"]
    assert listed["unread"] == 0
    assert listed["last_message"] == "Hello"


def test_the_email_transcript_has_no_note(django_capture_on_commit_callbacks):
    contact, _token = factories.visitor(contact_data={"email": "elif@example.com"})
    agent = factories.agent()
    conversation = factories.conversation(contact=contact, body="The bill will not close")
    factories.note(conversation=conversation, author=agent, body=SECRET)
    factories.message(
        conversation=conversation, sender_type="agent", agent_user=agent.user, body="Fixed!"
    )
    support_services.conversation_resolve(conversation=conversation, agent=agent.user)
    # The visitor has left, so the prompt goes by email with the transcript.
    Contact.objects.filter(pk=contact.pk).update(last_seen_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert rating_services.rating_prompt_send(conversation_id=conversation.pk)
    (email,) = mail.outbox
    assert "Fixed!" in email.body
    assert "NOTE-SECRET" not in email.body


def test_a_note_in_a_bot_conversation_does_not_wake_the_bot():
    widget = factories.widget(bot_enabled=True)
    contact, _token = factories.visitor(widget_obj=widget)
    conversation, _created = support_services.conversation_start(contact=contact, body=None)
    assert conversation.status == Conversation.Status.BOT
    messages_before = conversation.messages.count()
    factories.note(conversation=conversation, author=factories.agent(), body="human please")
    assert conversation.messages.count() == messages_before
    assert Conversation.objects.get(pk=conversation.pk).status == Conversation.Status.BOT


# --- views ---------------------------------------------------------------------------------------


def test_an_agent_adds_a_note_and_sees_it_in_the_thread_marked_internal():
    agent = factories.agent(display_name="Ayşe")
    conversation = factories.conversation(body="Hello")
    client = logged_in(agent)

    response = client.post(
        note_url(conversation), {"body": "Check <b>logs</b>"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 204
    note = Note.objects.get()
    assert (note.author, note.body) == (agent.user, "Check <b>logs</b>")
    page = client.get(reverse("console:conversation", args=[conversation.pk])).content.decode()
    assert f'id="note-{note.pk}" class="msg msg-note"' in page
    assert "Check &lt;b&gt;logs&lt;/b&gt;" in page
    assert "Internal note" in page
    # In the order written: the visitor's first message, then the note.
    assert page.index("Hello") < page.index("Check &lt;b&gt;")


def test_a_bad_note_answers_an_error_and_a_hidden_conversation_404():
    team = factories.team()
    agent = factories.agent()
    conversation = factories.conversation()
    empty = logged_in(agent).post(note_url(conversation), {"body": " "}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 400
    assert "empty" in empty.content.decode()
    hidden = factories.conversation(topic_slug=factories.topic(team=team).slug)
    assert logged_in(agent).post(note_url(hidden), {"body": "x"}).status_code == 404
    assert not Note.objects.exists()
    assert Client().post(note_url(conversation), {"body": "x"}).status_code == 302


def test_notes_are_listed_newest_last_for_the_console():
    agent = factories.agent()
    conversation = factories.conversation()
    first = factories.note(conversation=conversation, author=agent, body="one")
    second = factories.note(conversation=conversation, author=agent, body="two")
    assert selectors.note_list_for_conversation(conversation=conversation) == [first, second]
    assert selectors.note_list_for_conversation(conversation=conversation, after=first.pk) == [
        second
    ]


def test_load_earlier_messages_brings_the_notes_of_that_time(settings, monkeypatch):
    from console.views import contexts as views

    monkeypatch.setattr(views, "CONVERSATION_PAGE_SIZE", 2)
    agent = factories.agent()
    conversation = factories.conversation(body="m1")
    factories.message(conversation=conversation, body="m2")
    early_note = factories.note(conversation=conversation, author=agent, body="early note")
    factories.message(conversation=conversation, body="m3")
    newest = factories.message(conversation=conversation, body="m4")
    late_note = factories.note(conversation=conversation, author=agent, body="late note")
    client = logged_in(agent)

    page = client.get(reverse("console:conversation", args=[conversation.pk])).content.decode()
    assert f"note-{late_note.pk}" in page and f"note-{early_note.pk}" not in page
    earlier = client.get(
        reverse("console:conversation_messages_earlier", args=[conversation.pk]),
        {"before": newest.pk - 1},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert f"note-{early_note.pk}" in earlier and f"note-{late_note.pk}" not in earlier
    assert earlier.index("m2") < earlier.index("early note")
