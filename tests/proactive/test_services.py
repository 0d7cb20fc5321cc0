"""Proactive messages: firing (frequency cap, business hours, page pattern, identity) and the
conversion a reply records."""

import time
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core import signing

from proactive import selectors, services
from proactive.models import TriggerDisplay
from support import errors
from support import services as support_services
from support.models import Message
from tests import factories

pytestmark = pytest.mark.django_db

# Monday 1 June 2026, 10:00 in Istanbul (UTC+3).
MONDAY_10 = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
VISITOR = "visitor-abc-123"


def fire(trigger, *, visitor_id=VISITOR, at=MONDAY_10, **kwargs):
    return services.trigger_fire(
        widget_key=trigger.widget.key,
        trigger_id=trigger.pk,
        visitor_id=visitor_id,
        at=at,
        **kwargs,
    )


def test_a_fired_trigger_is_recorded_with_a_signed_token():
    trigger = factories.trigger(widget_obj=factories.widget())
    display, token = fire(trigger, url="https://shop.example/cart")
    assert display.trigger == trigger
    assert display.visitor_key == f"visitor:{VISITOR}"
    assert display.url == "https://shop.example/cart"
    assert display.shown_at == MONDAY_10
    assert signing.loads(token, salt=services.DISPLAY_TOKEN_SALT)["d"] == display.pk


def test_a_visitor_sees_it_once_per_cap_days_others_still_see_it():
    trigger = factories.trigger(widget_obj=factories.widget(), cap_days=3)
    fire(trigger)
    with pytest.raises(errors.Conflict) as refused:
        fire(trigger, at=MONDAY_10 + timedelta(days=2, hours=23))
    assert refused.value.code == "capped"
    fire(trigger, visitor_id="another-visitor-1")  # per visitor
    display, _ = fire(trigger, at=MONDAY_10 + timedelta(days=3, seconds=1))  # cap over
    assert TriggerDisplay.objects.filter(visitor_key=f"visitor:{VISITOR}").count() == 2
    assert display.shown_at > MONDAY_10


def test_an_identified_user_is_capped_on_every_device_and_a_bad_hash_is_refused():
    widget = factories.widget()
    trigger = factories.trigger(widget_obj=widget)
    identity = factories.identity(widget_obj=widget, external_id="user-7")
    display, _ = fire(trigger, visitor_id="phone-visitor", identity=identity)
    assert display.visitor_key == "user:user-7"
    with pytest.raises(errors.Conflict):
        fire(trigger, visitor_id="laptop-visitor", identity=identity)
    with pytest.raises(errors.IdentityInvalid):
        fire(trigger, identity={"external_id": "user-8", "hash": "0" * 64})
    assert TriggerDisplay.objects.count() == 1


def test_business_hours_only_fires_while_the_team_is_open():
    team = factories.hours_team(time_zone="Europe/Istanbul")
    factories.business_hours(team=team, weekday=0, opens="09:00", closes="17:00")
    trigger = factories.trigger(widget_obj=factories.widget(), business_hours_only=True, team=team)
    with pytest.raises(errors.Conflict) as closed:
        fire(trigger, at=MONDAY_10 + timedelta(hours=8))  # 18:00 in Istanbul
    assert closed.value.code == "closed"
    assert not TriggerDisplay.objects.exists()  # a closed refusal does not use up the cap
    display, _ = fire(trigger)
    assert display.pk


def test_business_hours_without_a_team_follow_support_as_a_whole():
    team = factories.hours_team(time_zone="Europe/Istanbul")
    factories.business_hours(team=team, weekday=0, opens="09:00", closes="17:00")
    factories.topic(team=team)
    trigger = factories.trigger(widget_obj=factories.widget(), business_hours_only=True)
    with pytest.raises(errors.Conflict):
        fire(trigger, at=MONDAY_10 - timedelta(hours=3))  # 07:00
    assert fire(trigger)[0].pk


def test_the_page_must_match_the_pattern():
    trigger = factories.trigger(
        widget_obj=factories.widget(), kind="url", seconds_on_page=0, url_pattern="/products/*"
    )
    with pytest.raises(errors.Conflict) as refused:
        fire(trigger, url="https://shop.example/about")
    assert refused.value.code == "not_applicable"
    assert fire(trigger, url="https://shop.example/products/12?colour=red")[0].pk


@pytest.mark.parametrize(
    ("pattern", "url", "matches"),
    [
        ("/cart", "https://a.example/cart", True),
        ("/cart", "https://a.example/cart/x", False),
        ("*/checkout*", "https://a.example/tr/checkout?step=2", True),
        ("/a.b", "https://a.example/axb", False),  # a dot is a dot, not a regex wildcard
        ("", "https://a.example/anything", True),
    ],
)
def test_url_patterns(pattern, url, matches):
    assert services.url_matches(pattern=pattern, url=url) is matches


def test_unknown_inactive_or_foreign_triggers_are_not_found():
    widget = factories.widget()
    inactive = factories.trigger(widget_obj=widget, is_active=False)
    foreign = factories.trigger(widget_obj=factories.widget())
    for trigger_id in (inactive.pk, foreign.pk, 999999, "nope"):
        with pytest.raises(errors.NotFound):
            services.trigger_fire(widget_key=widget.key, trigger_id=trigger_id, visitor_id=VISITOR)


def test_a_visitor_id_is_required_without_an_identity():
    trigger = factories.trigger(widget_obj=factories.widget())
    for bad in (None, "", "short", "has spaces in it", "x" * 65):
        with pytest.raises(errors.InvalidInput):
            fire(trigger, visitor_id=bad)


def test_a_reply_records_the_conversion_and_the_transcript_starts_with_the_message():
    widget = factories.widget()
    trigger = factories.trigger(widget_obj=widget, message_en="Questions about your cart?")
    _display, token = fire(trigger)
    contact, _ = factories.visitor(widget_obj=widget)
    conversation, _ = support_services.conversation_start(
        contact=contact, body="Yes, about delivery", client_id="c-1", proactive_token=token
    )
    display = TriggerDisplay.objects.get()
    assert display.conversation == conversation
    assert display.contact == contact
    assert display.converted_at is not None
    bodies = list(
        Message.objects.filter(conversation=conversation)
        .order_by("id")
        .values_list("body", "sender_type")
    )
    assert bodies[0] == ("Questions about your cart?", "bot")
    assert bodies[-1] == ("Yes, about delivery", "visitor")

    # One conversion per display: a second conversation with the same token is not counted.
    again, _ = support_services.conversation_start(
        contact=contact, body="Another thing", client_id="c-2", proactive_token=token
    )
    assert not TriggerDisplay.objects.filter(conversation=again).exists()
    figures = selectors.trigger_list_with_figures().get(pk=trigger.pk)
    assert (figures.shown_count, figures.conversion_count) == (1, 1)


def test_a_forged_stale_or_foreign_token_is_ignored_and_the_chat_still_starts():
    widget = factories.widget()
    trigger = factories.trigger(widget_obj=widget)
    display, token = fire(trigger)
    other_widget_contact, _ = factories.visitor(widget_obj=factories.widget())
    contact, _ = factories.visitor(widget_obj=widget)
    for who, bad in (
        (contact, "forged-token"),
        (contact, signing.dumps({"d": display.pk, "w": widget.pk}, salt="other")),
        (other_widget_contact, token),  # another widget's visitor
        (contact, {"d": display.pk}),
    ):
        _conversation, created = support_services.conversation_start(
            contact=who, body="Hi", client_id=f"c-{id(bad)}-{who.pk}", proactive_token=bad
        )
        assert created
    display.refresh_from_db()
    assert display.conversation is None

    # Older than a day: the bubble was long gone, the chat does not count as its conversion.
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 2 * 86400):
        stale = signing.dumps({"d": display.pk, "w": widget.pk}, salt=services.DISPLAY_TOKEN_SALT)
    support_services.conversation_start(
        contact=contact, body="Hi", client_id="c-stale", proactive_token=stale
    )
    display.refresh_from_db()
    assert display.conversation is None
    support_services.conversation_start(
        contact=contact, body="Hi", client_id="c-fresh", proactive_token=token
    )
    display.refresh_from_db()
    assert display.conversation is not None


def test_a_widget_for_verified_users_shows_nothing_to_anonymous_visitors():
    widget = factories.widget()
    widget.require_verified_identity = True
    widget.save(update_fields=["require_verified_identity"])
    trigger = factories.trigger(widget_obj=widget)
    with pytest.raises(errors.IdentityRequired):
        fire(trigger)
    identity = factories.identity(widget_obj=widget, external_id="user-9")
    assert fire(trigger, identity=identity)[0].visitor_key == "user:user-9"
