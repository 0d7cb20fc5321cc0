"""ratings.services.rating_submit: who may rate, what a rating is, the short edit window."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string

from chat import protocol, realtime
from console.presenters import conversation_header, inbox_row_html
from ratings import services
from ratings.models import Rating
from support import errors
from support import selectors as support_selectors
from support import services as support_services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved():
    agent = factories.agent()
    return factories.resolved_conversation(agent_user=agent.user)


def test_an_unresolved_conversation_cannot_be_rated():
    conversation = factories.conversation()
    with pytest.raises(errors.Conflict) as caught:
        services.rating_submit(conversation=conversation, score=5)
    assert caught.value.code == "not_resolved"
    assert caught.value.status == 409
    assert not Rating.objects.exists()


@pytest.mark.parametrize("score", [0, 6, -1, True, False, "5", 4.0, None, [5]])
def test_a_score_is_a_whole_number_from_1_to_5(resolved, score):
    with pytest.raises(errors.InvalidInput) as caught:
        services.rating_submit(conversation=resolved, score=score)
    assert caught.value.code == "invalid_score"
    assert caught.value.status == 400
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    ("comment", "code"), [("x" * 1001, "comment_too_long"), (5, "invalid_comment")]
)
def test_a_comment_is_text_of_at_most_1000_characters(resolved, comment, code):
    with pytest.raises(errors.InvalidInput) as caught:
        services.rating_submit(conversation=resolved, score=3, comment=comment)
    assert caught.value.code == code


def test_a_rating_is_stored_once_with_its_comment(resolved):
    rating, created = services.rating_submit(
        conversation=resolved, score=4, comment=" " + "y" * 1000 + " "
    )
    assert created
    assert (rating.score, rating.comment) == (4, "y" * 1000)
    assert Rating.objects.get().conversation_id == resolved.pk


def test_the_database_refuses_a_score_out_of_range(resolved):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(conversation=resolved, resolved_at=resolved.resolved_at, score=6)


def test_a_second_submit_within_the_edit_window_changes_the_rating(resolved, settings):
    settings.DESTEK = {**settings.DESTEK, "RATING_EDIT_WINDOW_SECONDS": 600}
    first, _created = services.rating_submit(conversation=resolved, score=2)
    edited, created = services.rating_submit(
        conversation=resolved,
        score=5,
        comment="Sorry, misclicked",
        now=first.created_at + timedelta(seconds=600),
    )
    assert not created
    assert edited.pk == first.pk
    assert Rating.objects.get().score == 5
    assert Rating.objects.get().comment == "Sorry, misclicked"


def test_after_the_edit_window_a_second_submit_is_409(resolved):
    first, _created = services.rating_submit(conversation=resolved, score=2)
    with pytest.raises(errors.Conflict) as caught:
        services.rating_submit(
            conversation=resolved, score=5, now=first.created_at + timedelta(seconds=601)
        )
    assert caught.value.code == "already_rated"
    assert Rating.objects.get().score == 2


def test_a_rating_announces_the_conversation_after_commit(
    resolved, monkeypatch, django_capture_on_commit_callbacks
):
    published = []
    monkeypatch.setattr(
        realtime,
        "conversation_updated",
        lambda *, conversation: published.append(conversation.pk),
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.rating_submit(conversation=resolved, score=5)
    assert published == []
    for callback in callbacks:
        callback()
    assert published == [resolved.pk]


def test_conversation_dicts_carry_the_rating_without_extra_queries(
    resolved, django_assert_num_queries
):
    contact = resolved.contact
    unrated = factories.resolved_conversation(contact=contact)
    services.rating_submit(conversation=resolved, score=3, comment="ok")
    loaded = support_selectors.conversation_list_by_ids(ids=[resolved.pk, unrated.pk])
    with django_assert_num_queries(0):
        dicts = {c.pk: protocol.conversation_to_dict(c) for c in loaded}
    rating = dicts[resolved.pk]["rating"]
    assert rating["score"] == 3
    assert rating["comment"] == "ok"
    assert rating["created_at"] == Rating.objects.get().created_at.isoformat()
    assert dicts[unrated.pk]["rating"] is None
    one = support_selectors.conversation_get_for_contact(
        contact=contact, conversation_id=resolved.pk
    )
    with django_assert_num_queries(0):
        assert protocol.conversation_to_dict(one)["rating"] == rating


def test_the_console_shows_the_rating(resolved):
    services.rating_submit(conversation=resolved, score=4, comment="Quick and kind")
    row_conversation = support_selectors.conversation_get_for_inbox_row(conversation_id=resolved.pk)
    row = inbox_row_html(row_conversation)
    assert f'id="conv-row-{resolved.pk}"' in row and "4★" in row
    header = render_to_string(
        "console/_conversation_header.html", {"header": conversation_header(row_conversation)}
    )
    assert "★★★★☆" in header
    assert "Quick and kind" in header
    unrated = support_selectors.conversation_get_for_inbox_row(
        conversation_id=factories.conversation().pk
    )
    unrated_row = inbox_row_html(unrated)
    assert f'id="conv-row-{unrated.pk}"' in unrated_row and "★" not in unrated_row


def test_each_resolution_is_rated_once_and_earlier_ratings_stay(resolved, settings):
    settings.DESTEK = {**settings.DESTEK, "RATING_EDIT_WINDOW_SECONDS": 0}
    agent = factories.agent()
    first, _created = services.rating_submit(conversation=resolved, score=2, comment="Slow")
    with pytest.raises(errors.Conflict) as caught:  # the same resolution, after the window
        services.rating_submit(conversation=resolved, score=4)
    assert caught.value.code == "already_rated"

    reopened = support_services.conversation_reopen(conversation=resolved, by_agent=agent.user)
    loaded = support_selectors.conversation_get_for_inbox_row(conversation_id=resolved.pk)
    assert protocol.conversation_to_dict(loaded)["rating"] is None
    resolved_again = support_services.conversation_resolve(conversation=reopened, agent=agent.user)
    second, created = services.rating_submit(
        conversation=resolved_again, score=5, comment="Sorted in the end"
    )

    assert created
    assert second.resolved_at == resolved_again.resolved_at != first.resolved_at
    loaded = support_selectors.conversation_get_for_inbox_row(conversation_id=resolved.pk)
    assert protocol.conversation_to_dict(loaded)["rating"]["comment"] == "Sorted in the end"
    first.refresh_from_db()
    assert (first.score, first.comment, first.current_for_id) == (2, "Slow", None)
    assert Rating.objects.filter(conversation=resolved).count() == 2
    with pytest.raises(errors.Conflict):
        services.rating_submit(conversation=resolved_again, score=1)


def test_a_comment_added_after_the_stars_is_kept_by_a_later_star(resolved):
    services.rating_submit(conversation=resolved, score=4)  # the star chip
    services.rating_submit(conversation=resolved, score=4, comment="Kind")  # the comment box
    rating, created = services.rating_submit(conversation=resolved, score=5)  # a late chip

    assert (rating.score, rating.comment, created) == (5, "Kind", False)
    assert Rating.objects.get().comment == "Kind"
