"""The greeting bot: its pure decisions, and the whole flow over real FAQ articles."""

import pytest

from chat import bot
from support import services as support_services
from support.models import Conversation
from tests import factories

Status = Conversation.Status


@pytest.mark.parametrize(
    ("status", "turns", "action", "has_suggestions", "expected"),
    [
        ("bot", 0, None, True, bot.Decision("suggest")),
        ("bot", 0, None, False, bot.Decision("handoff")),
        ("bot", 1, None, True, bot.Decision("handoff")),  # never a loop with the bot
        ("bot", 0, {"type": "topic", "value": "payment"}, True, bot.Decision("handoff", "payment")),
        ("bot", 0, {"type": "handoff", "value": ""}, True, bot.Decision("handoff")),
        ("bot", 1, {"type": "solved", "value": ""}, False, bot.Decision("deflect")),
        ("bot", 0, {"type": "faq", "value": "3"}, True, bot.Decision("none")),
        ("queued", 0, None, True, bot.Decision("none")),
        ("open", 0, {"type": "solved", "value": ""}, True, bot.Decision("none")),
    ],
)
def test_decide(status, turns, action, has_suggestions, expected):
    assert (
        bot.decide(status=status, bot_turns=turns, action=action, has_suggestions=has_suggestions)
        == expected
    )


@pytest.mark.parametrize(
    ("action", "cleaned"),
    [
        (None, None),
        ("topic", None),
        ({"type": "launch-missiles"}, None),
        ({"type": "topic", "value": {"x": 1}}, None),
        ({"type": "topic", "value": "payment"}, {"type": "topic", "value": "payment"}),
        ({"type": "faq", "value": 7}, {"type": "faq", "value": "7"}),
        ({"type": "handoff"}, {"type": "handoff", "value": ""}),
    ],
)
def test_clean_action(action, cleaned):
    assert support_services.clean_action(action) == cleaned


@pytest.fixture
def help_centre(db):
    """The real seeded help articles (en and tr) and the demo topics."""
    from faq.seed import seed_help_articles

    team = factories.team(name="General")
    for slug in ("payment", "order", "technical", "account"):
        factories.topic(slug=slug, team=team)
    seed_help_articles()
    return team


def bot_chat(*, locale="tr", body: str | None = "şifremi unuttum"):
    """A chat with the bot; body=None opens it with the greeting alone."""
    widget = factories.widget(bot_enabled=True, greeting_tr="Merhaba! Nasıl yardımcı olabiliriz?")
    contact, _token = factories.visitor(widget_obj=widget, locale=locale)
    conversation, _created = support_services.conversation_start(
        contact=contact, body=body, client_id="first"
    )
    return conversation


def press(conversation, kind: str, value: str = "", *, body: str, client_id: str):
    """The visitor presses a button under the bot's answer: its label and its action."""
    return support_services.visitor_message_send(
        conversation=conversation,
        body=body,
        client_id=client_id,
        action={"type": kind, "value": value},
    )


def bot_messages(conversation):
    return list(conversation.messages.filter(sender_type="bot").order_by("id"))


@pytest.mark.django_db
class TestTheBotFlow:
    def test_greets_then_suggests_the_password_article_for_a_turkish_question(self, help_centre):
        conversation = bot_chat()

        assert conversation.status == Status.BOT
        greeting, suggestion = bot_messages(conversation)
        assert greeting.body == "Merhaba! Nasıl yardımcı olabiliriz?"
        assert [a["type"] for a in greeting.actions][:4] == ["topic"] * 4
        assert greeting.actions[-1]["type"] == "handoff"
        assert any(a["type"] == "faq" for a in greeting.actions)
        faq = [a for a in suggestion.actions if a["type"] == "faq"]
        assert 1 <= len(faq) <= 3
        assert "şifre" in faq[0]["label"].lower() or "parola" in faq[0]["label"].lower()
        assert faq[0]["url"].startswith("/help/")
        assert [a["type"] for a in suggestion.actions[-2:]] == ["solved", "handoff"]
        assert conversation.messages.order_by("id").first().sender_type == "bot"

    def test_this_solved_it_resolves_by_bot(self, help_centre):
        conversation = bot_chat()

        press(conversation, "solved", body="Sorun çözüldü", client_id="solved")

        conversation.refresh_from_db()
        assert conversation.status == Status.RESOLVED
        assert conversation.resolved_by_bot is True
        assert conversation.assignee_id is None
        assert conversation.first_response_at is None  # a bot is not a first response

    def test_talk_to_a_person_hands_off_to_the_queue_and_says_the_wait(self, help_centre):
        conversation = bot_chat(locale="en", body="I forgot my password")

        press(conversation, "handoff", body="Talk to a person", client_id="human")

        conversation.refresh_from_db()
        assert conversation.status == Status.QUEUED
        assert conversation.queued_at is not None
        last = bot_messages(conversation)[-1]
        assert last.body.startswith("Thanks! I'm passing you to a person.")
        assert "number 1 in line" in last.body

    def test_a_topic_button_routes_to_the_topic_team_and_an_online_agent_gets_it(self, help_centre):
        agent = factories.agent(teams=[help_centre], online=True, display_name="Ayşe")
        conversation = bot_chat(locale="en", body=None)

        press(conversation, "topic", "payment", body="Payment", client_id="topic")

        conversation.refresh_from_db()
        assert conversation.topic.slug == "payment"
        assert conversation.team_id == help_centre.pk
        assert conversation.status == Status.OPEN
        assert conversation.assignee_id == agent.user_id
        assert bot_messages(conversation)[-1].body == "Ayşe will be with you in a moment."

    def test_a_second_free_text_goes_to_a_person_not_round_the_bot_again(self, help_centre):
        conversation = bot_chat(locale="en", body="I forgot my password")

        support_services.visitor_message_send(
            conversation=conversation, body="still cannot log in", client_id="again"
        )

        conversation.refresh_from_db()
        assert conversation.status == Status.QUEUED

    def test_no_matching_article_hands_off_at_once(self, help_centre):
        conversation = bot_chat(locale="en", body="xyzzy plugh")

        conversation.refresh_from_db()
        assert conversation.status == Status.QUEUED
        assert len(bot_messages(conversation)) == 2  # greeting and the hand-off notice

    def test_out_of_hours_hand_off_names_the_opening_time(self, help_centre):
        from django.utils import timezone

        # Open one day a week, two days from today (in the team's zone): closed now.
        weekday = (timezone.localdate().weekday() + 2) % 7
        factories.business_hours(team=help_centre, weekday=weekday, opens="09:00", closes="17:00")
        conversation = bot_chat(locale="en", body=None)

        press(conversation, "topic", "payment", body="Payment", client_id="topic")

        last = bot_messages(conversation)[-1]
        # The same words as the after-hours auto-reply (support.automation.closed_text): the
        # day and date in full, and "leave a message" said once.
        assert last.body.startswith("We're away right now. We're back ")
        assert last.body.endswith(" 09:00. Leave a message and we'll reply.")
        assert last.body.count("Leave") == 1

    def test_the_bot_stays_quiet_once_a_person_has_it(self, help_centre):
        conversation = bot_chat(locale="en", body="xyzzy")  # handed off at once
        before = len(bot_messages(conversation))

        press(conversation, "topic", "payment", body="Payment", client_id="late")

        assert len(bot_messages(conversation)) == before

    def test_a_retried_visitor_message_does_not_make_the_bot_answer_twice(self, help_centre):
        conversation = bot_chat(
            locale="en",
            body="xyzzy",
        )
        conversation = bot_chat(locale="en", body="I forgot my password")
        count = len(bot_messages(conversation))

        for _ in range(2):
            support_services.visitor_message_send(
                conversation=conversation,
                body="This solved it",
                client_id="same",
                action={"type": "solved"},
            )

        assert len(bot_messages(conversation)) == count + 1
