"""The rating prompt after an agent resolves, and the visitor's rating chips."""

import pytest

from ratings import services as rating_services
from ratings import tasks
from ratings.models import Rating
from support import errors
from support import services as support_services
from support.models import Conversation, Message
from tests import factories

pytestmark = pytest.mark.django_db

PROMPT = "How did we do? Rate this conversation."
THANKS = "Thank you for your rating!"


@pytest.fixture
def agent():
    return factories.agent()


@pytest.fixture
def scheduled(monkeypatch):
    """The rating_prompt tasks enqueued, as (args, countdown), without running them."""
    calls = []
    monkeypatch.setattr(
        tasks.rating_prompt,
        "apply_async",
        lambda args, countdown=None, **kw: calls.append((tuple(args), countdown)),
    )
    return calls


def resolve(conversation, agent, capture):
    with capture(execute=True):
        return support_services.conversation_resolve(conversation=conversation, agent=agent.user)


def prompts(conversation) -> list[Message]:
    return list(conversation.messages.filter(sender_type="bot", body=PROMPT))


def test_an_agent_resolve_schedules_the_prompt_after_commit_with_the_delay(
    agent, scheduled, settings, django_capture_on_commit_callbacks
):
    settings.DESTEK = {**settings.DESTEK, "RATING_PROMPT_DELAY_SECONDS": 60}
    conversation = factories.conversation()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        support_services.conversation_resolve(conversation=conversation, agent=agent.user)
    assert scheduled == []
    for callback in callbacks:
        callback()
    assert scheduled == [((conversation.pk,), 60)]


def test_the_prompt_is_one_bot_message_with_five_rating_chips(
    agent, django_capture_on_commit_callbacks
):
    conversation = factories.conversation()
    resolve(conversation, agent, django_capture_on_commit_callbacks)  # eager task runs
    [prompt] = prompts(conversation)
    assert prompt.actions == [
        {"type": "rating", "label": "★" * n, "value": str(n)} for n in (5, 4, 3, 2, 1)
    ]
    conversation.refresh_from_db()
    assert conversation.rating_prompted_at is not None
    assert conversation.status == Conversation.Status.RESOLVED


def test_the_prompt_is_sent_once_per_resolution_under_double_delivery(
    agent, django_capture_on_commit_callbacks
):
    conversation = factories.conversation()
    resolve(conversation, agent, django_capture_on_commit_callbacks)
    assert tasks.rating_prompt(conversation.pk) is False  # redelivered
    assert tasks.rating_prompt.apply(args=(conversation.pk,)).get() is False
    press(conversation, "2", "first-stars")
    support_services.conversation_reopen(
        conversation=Conversation.objects.get(pk=conversation.pk), by_agent=agent.user
    )
    # Reopened and resolved again: a new resolution, a new prompt (and only one).
    resolve(Conversation.objects.get(pk=conversation.pk), agent, django_capture_on_commit_callbacks)
    assert tasks.rating_prompt(conversation.pk) is False
    first, second = prompts(conversation)
    assert first.client_id != second.client_id
    press(conversation, "5", "second-stars")
    assert sorted(
        Rating.objects.filter(conversation=conversation).values_list("score", flat=True)
    ) == [2, 5]


def test_no_prompt_when_rated_reopened_or_gone(agent, scheduled):
    rated = factories.resolved_conversation(agent_user=agent.user)
    rating_services.rating_submit(conversation=rated, score=5)
    assert rating_services.rating_prompt_send(conversation_id=rated.pk) is False
    reopened = factories.resolved_conversation(agent_user=agent.user)
    support_services.conversation_reopen(conversation=reopened, by_agent=agent.user)
    assert rating_services.rating_prompt_send(conversation_id=reopened.pk) is False
    assert rating_services.rating_prompt_send(conversation_id=999_999) is False
    assert not Message.objects.filter(body=PROMPT).exists()
    # A later resolve (not yet prompted) still gets its prompt.
    resolved_again = Conversation.objects.get(pk=reopened.pk)
    support_services.conversation_resolve(conversation=resolved_again, agent=agent.user)
    assert rating_services.rating_prompt_send(conversation_id=reopened.pk) is True


def test_no_prompt_when_the_bot_resolves(scheduled, django_capture_on_commit_callbacks):
    contact, _token = factories.visitor(widget_obj=factories.widget(bot_enabled=True))
    conversation, _created = support_services.conversation_start(contact=contact)
    assert conversation.status == Conversation.Status.BOT
    with django_capture_on_commit_callbacks(execute=True):
        support_services.visitor_message_send(
            conversation=conversation,
            body="This solved it",
            client_id="solved-1",
            action={"type": "solved", "value": ""},
        )
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.RESOLVED
    assert conversation.resolved_by_bot
    assert scheduled == []


def press(conversation, value, client_id):
    return support_services.visitor_message_send(
        conversation=conversation,
        body="★" * int(value) if value.isdigit() and int(value) < 10 else value,
        client_id=client_id,
        action={"type": "rating", "value": value},
    )


def test_pressing_a_rating_chip_rates_and_the_bot_thanks(agent, django_capture_on_commit_callbacks):
    conversation = factories.conversation()
    resolve(conversation, agent, django_capture_on_commit_callbacks)
    message, created = press(conversation, "4", "chip-1")
    assert created
    assert message.sender_type == "visitor"
    assert message.body == "★★★★"
    assert Rating.objects.get(conversation=conversation).score == 4
    last = conversation.messages.order_by("-id").first()
    assert (last.sender_type, last.body) == ("bot", THANKS)
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.RESOLVED
    # A retried frame (same client_id) changes nothing and thanks nobody twice.
    again, created = press(conversation, "4", "chip-1")
    assert (again.pk, created) == (message.pk, False)
    assert conversation.messages.filter(body=THANKS).count() == 1
    # A slip corrected within the edit window.
    press(conversation, "5", "chip-2")
    assert Rating.objects.get(conversation=conversation).score == 5


def test_a_refused_rating_chip_keeps_no_message(agent):
    conversation = factories.resolved_conversation(agent_user=agent.user)
    before = conversation.messages.count()
    with pytest.raises(errors.InvalidInput):
        press(conversation, "9", "bad-1")
    with pytest.raises(errors.InvalidInput):
        press(conversation, "x", "bad-2")
    Rating.objects.create(
        conversation=conversation,
        current_for=conversation,
        resolved_at=conversation.resolved_at,
        score=2,
    )
    Rating.objects.update(created_at=Rating.objects.get().created_at.replace(year=2000))
    with pytest.raises(errors.Conflict) as caught:
        press(conversation, "3", "late-1")
    assert caught.value.code == "already_rated"
    open_conversation = factories.conversation()
    with pytest.raises(errors.Conflict) as caught:
        press(open_conversation, "3", "open-1")
    assert caught.value.code == "not_resolved"
    assert conversation.messages.count() == before
    assert Rating.objects.get(conversation=conversation).score == 2


def test_the_bot_still_ignores_rating_actions():
    from chat import bot

    decision = bot.decide(
        status="bot", bot_turns=0, action={"type": "rating", "value": "5"}, has_suggestions=True
    )
    assert decision.kind == "none"


def test_a_plain_visitor_message_on_a_resolved_conversation_is_still_refused(agent):
    conversation = factories.resolved_conversation(agent_user=agent.user)
    with pytest.raises(errors.Conflict) as caught:
        support_services.visitor_message_send(conversation=conversation, body="hello?")
    assert caught.value.code == "conversation_resolved"
