"""Inbox rows preview what a person said: the latest visitor message, or the agent's reply
marked as such; never a bot or system line (support.services.conversation_record_message)."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from chat import realtime
from console.presenters import inbox_row_html
from support import services as support_services
from support.models import Conversation
from tests import factories

from ..chat.test_services import listen, received

pytestmark = pytest.mark.django_db


def fresh(conversation) -> Conversation:
    return Conversation.objects.get(pk=conversation.pk)


def say(conversation, sender_type, body, agent=None):
    return support_services.message_send(
        conversation=conversation, sender_type=sender_type, body=body, agent=agent
    )[0]


def test_bot_and_system_lines_leave_the_visitors_question_in_the_preview():
    conversation = factories.conversation(body="Is the croissant gluten-free?")
    say(conversation, "bot", "Teşekkürler! Sizi bir temsilciye aktarıyorum…")
    say(conversation, "system", "Ayşe Demir moved this conversation to Order.")

    stored = fresh(conversation)
    assert stored.last_message_preview == "Is the croissant gluten-free?"
    assert stored.last_message_preview_by_agent is False


def test_the_agents_reply_is_previewed_and_marked_until_the_visitor_answers():
    agent = factories.agent(display_name="Ayşe")
    conversation = factories.conversation(body="Is the croissant gluten-free?")
    say(conversation, "agent", "No, but the almond cake is.", agent=agent.user)
    say(conversation, "bot", "How did we do?")
    stored = fresh(conversation)
    assert (stored.last_message_preview, stored.last_message_preview_by_agent) == (
        "No, but the almond cake is.",
        True,
    )
    assert 'class="preview-by-agent">Reply:</span> No, but the almond cake is.' in (
        inbox_row_html(stored)
    )

    say(conversation, "visitor", "Thanks!")
    stored = fresh(conversation)
    assert (stored.last_message_preview, stored.last_message_preview_by_agent) == (
        "Thanks!",
        False,
    )
    assert "preview-by-agent" not in inbox_row_html(stored)


def test_the_inbox_page_shows_the_question_not_the_bots_line(client):
    supervisor = factories.supervisor()
    client.force_login(supervisor.user)
    conversation = factories.conversation(body="Do you deliver to Kadıköy?")
    say(conversation, "bot", "Thanks! I'm passing you to a person.")

    html = client.get(reverse("console:inbox") + "?view=all").content.decode()

    assert "Do you deliver to Kadıköy?" in html
    assert "passing you to a person" not in html


def test_the_live_row_after_a_bot_line_previews_the_visitor(
    in_memory_layer, django_capture_on_commit_callbacks
):
    conversation = factories.conversation(body="Do you deliver to Kadıköy?")
    inbox = listen(realtime.CONSOLE_SUPERVISORS)

    with django_capture_on_commit_callbacks(execute=True):
        say(conversation, "bot", "Thanks! I'm passing you to a person.")

    (row,) = received(inbox)
    # One copy of the row per console language (console.realtime.render_each_language).
    assert row["html"]
    for html in row["html"].values():
        assert f"conv-row-{conversation.pk}" in html
        assert "Do you deliver to Kadıköy?" in html
        assert "passing you to a person" not in html


def test_the_migration_gives_old_bot_previews_the_visitors_question():
    agent = factories.agent()
    asked = factories.conversation(body="Where is my order?")
    answered = factories.conversation(body="Refund?")
    say(answered, "agent", "Done, 3 days.", agent=agent.user)
    bot_only = factories.conversation(body="")
    for conversation in (asked, answered, bot_only):
        say(conversation, "bot", "Thanks! I'm passing you to a person.")
    # What the old code stored: the newest line, whoever wrote it.
    Conversation.objects.update(
        last_message_preview="Thanks! I'm passing you to a person.",
        last_message_preview_by_agent=False,
    )
    untouched = factories.conversation(body="Hello")
    Conversation.objects.filter(pk=untouched.pk).update(last_message_preview="Hello")

    migration = importlib.import_module("support.migrations.0019_conversation_preview_by_agent")
    # The models as they were at that migration (Message was chat's then, support.0021 moved it).
    state = MigrationLoader(connection).project_state(
        ("support", "0019_conversation_preview_by_agent")
    )
    migration.preview_people(state.apps, None)

    previews = {
        c.pk: (c.last_message_preview, c.last_message_preview_by_agent)
        for c in Conversation.objects.all()
    }
    assert previews[asked.pk] == ("Where is my order?", False)
    assert previews[answered.pk] == ("Done, 3 days.", True)
    assert previews[bot_only.pk] == ("", False)
    assert previews[untouched.pk] == ("Hello", False)


def test_a_pressed_bot_button_leaves_the_visitors_question_in_the_preview():
    contact, _token = factories.visitor(widget_obj=factories.widget(bot_enabled=True))
    conversation, _created = support_services.conversation_start(
        contact=contact, body="Is the croissant gluten-free?", client_id="ask-1"
    )
    support_services.visitor_message_send(
        conversation=conversation,
        body="Talk to a person",
        client_id="press-1",
        action={"type": "handoff", "value": ""},
    )

    stored = fresh(conversation)
    assert stored.status != Conversation.Status.BOT
    assert stored.last_message_preview == "Is the croissant gluten-free?"
