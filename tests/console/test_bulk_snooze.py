"""The console's bulk actions and snooze: per-row permission, a summary, bounded queries."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation

from support import services
from support.models import Conversation
from tests import factories
from tests.factories import logged_in

pytestmark = pytest.mark.django_db

Status = Conversation.Status


def hidden_from_agent() -> Conversation:
    """A conversation of a team the plain agent is not in."""
    other_team = factories.team()
    return factories.queued_conversation(topic_slug=factories.topic(team=other_team).slug)


def bulk(client, ids, action, **extra):
    data = {"ids": [str(i) for i in ids], "action": action, "next": "/console/?view=all", **extra}
    return client.post(reverse("console:inbox_bulk"), data)


def summary(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_bulk_resolve_acts_on_visible_rows_and_refuses_the_others():
    agent = factories.agent()
    mine = [factories.queued_conversation(), factories.queued_conversation()]
    hidden = hidden_from_agent()
    client = logged_in(agent)
    response = bulk(client, [c.pk for c in mine] + [hidden.pk], "resolve")
    assert response.status_code == 302 and response.url == "/console/?view=all"
    assert [Conversation.objects.get(pk=c.pk).status for c in mine] == [Status.RESOLVED] * 2
    assert Conversation.objects.get(pk=hidden.pk).status == Status.QUEUED
    texts = summary(response)
    assert "Done for 2 conversations." in texts
    assert f"#{hidden.pk} was left as it was: not found or not yours to change" in texts


def test_a_supervisor_may_bulk_act_on_every_row():
    hidden = hidden_from_agent()
    response = bulk(logged_in(factories.supervisor()), [hidden.pk], "resolve")
    assert Conversation.objects.get(pk=hidden.pk).status == Status.RESOLVED
    assert summary(response) == ["Done for 1 conversation."]


def test_bulk_assign_team_label_and_snooze():
    agent = factories.agent()
    colleague = factories.agent(display_name="Ayşe")
    team = factories.team()
    agent.teams.add(team)
    label = factories.label(name="vip")
    rows = [factories.queued_conversation(), factories.queued_conversation()]
    ids = [c.pk for c in rows]
    client = logged_in(agent)
    bulk(client, ids, "assign", assign=str(colleague.user_id))
    assert {Conversation.objects.get(pk=i).assignee_id for i in ids} == {colleague.user_id}
    bulk(client, ids, "team", team=str(team.pk))
    assert {Conversation.objects.get(pk=i).team_id for i in ids} == {team.pk}
    bulk(client, ids, "label", label=str(label.pk))
    assert all(Conversation.objects.get(pk=i).labels.filter(pk=label.pk).exists() for i in ids)
    bulk(client, ids, "snooze", snooze="tomorrow")
    snoozed = Conversation.objects.filter(pk__in=ids)
    assert {c.status for c in snoozed} == {Status.SNOOZED}
    assert all(c.snoozed_until is not None for c in snoozed)


def test_bad_bulk_input_changes_nothing_and_says_why():
    agent = factories.agent()
    row = factories.queued_conversation()
    cases = [
        ({"action": "explode"}, "Unknown action."),
        ({"action": "team", "team": "999999"}, "No such team."),
        ({"action": "label", "label": "x"}, "No such label."),
        ({"action": "assign", "assign": "999999"}, "No such agent."),
        (
            {"action": "snooze", "snooze": "at", "snooze_at": "2001-01-01T10:00"},
            "The snooze must end in the future.",
        ),
        (
            {"action": "snooze", "snooze": "at", "snooze_at": "soon"},
            "Choose when the conversation should come back.",
        ),
    ]
    for extra, message in cases:
        action = extra.pop("action")
        response = bulk(logged_in(agent), [row.pk], action, **extra)
        assert summary(response) == [message]
    response = bulk(logged_in(agent), [], "resolve")
    assert summary(response) == ["Select at least one conversation."]
    row.refresh_from_db()
    assert row.status == Status.QUEUED and row.team_id is None


def test_bulk_summary_is_translated():
    agent = factories.agent()
    agent.language = "tr"
    agent.save(update_fields=["language"])
    response = bulk(logged_in(agent), [factories.queued_conversation().pk], "resolve")
    with translation.override("tr"):
        assert summary(response) == ["1 konuşma için yapıldı."]


def test_the_inbox_shows_the_bulk_bar_and_row_checkboxes_within_the_query_budget(
    django_assert_max_num_queries,
):
    agent = factories.agent()
    label = factories.label(name="vip")
    for i in range(30):
        conversation = factories.queued_conversation(
            contact=factories.visitor(contact_data={"name": f"V{i}"})[0]
        )
        services.conversation_label_add(conversation=conversation, label_id=label.pk)
    client = logged_in(agent)
    client.get(reverse("console:inbox"))  # session and caches warm
    with django_assert_max_num_queries(12):
        response = client.get(
            reverse("console:inbox") + f"?view=all&status=queued&priority=normal&label={label.pk}"
        )
    html = response.content.decode()
    assert 'id="bulk-form"' in html and 'id="bulk-select-all"' in html
    assert html.count('class="bulk-check"') == 30


def test_snooze_from_the_header_and_wake_it():
    agent = factories.agent()
    conversation = factories.queued_conversation()
    client = logged_in(agent)
    url = reverse("console:conversation_snooze", args=[conversation.pk])
    page = client.get(reverse("console:conversation", args=[conversation.pk])).content.decode()
    assert 'id="snooze-button"' in page
    response = client.post(url, {"snooze": "reply"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Snoozed until the customer replies" in response.content.decode()
    assert Conversation.objects.get(pk=conversation.pk).status == Status.SNOOZED
    response = client.post(url, {"snooze": "wake"}, HTTP_HX_REQUEST="true")
    assert Conversation.objects.get(pk=conversation.pk).status == Status.QUEUED
    bad = client.post(url, {"snooze": "whenever"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400


def test_an_agent_cannot_snooze_a_conversation_they_may_not_see():
    hidden = hidden_from_agent()
    url = reverse("console:conversation_snooze", args=[hidden.pk])
    response = logged_in(factories.agent()).post(url, {"snooze": "1h"})
    assert response.status_code == 404
    assert Conversation.objects.get(pk=hidden.pk).status == Status.QUEUED


def test_the_bulk_summary_shows_on_a_conversation_page_and_its_messages_do_not():
    """The conversation page's thread must not reach the inbox pane's summary list (both were
    called `messages`): a bulk action's summary shows there, the visitor's words do not."""
    agent = factories.agent()
    conversation = factories.queued_conversation()
    services.message_send(
        conversation=conversation, sender_type="visitor", body="where is my order"
    )
    client = logged_in(agent)
    page = client.get(reverse("console:conversation", args=[conversation.pk]))
    assert page.status_code == 200
    assert 'id="bulk-summary"' not in page.content.decode()
    bulk(client, [factories.queued_conversation().pk], "resolve")
    page = client.get(reverse("console:conversation", args=[conversation.pk]))
    html = page.content.decode()
    summary_list = html[html.index('id="bulk-summary"') :].split("</ul>")[0]
    assert "Done for 1 conversation." in summary_list
    assert "where is my order" not in summary_list


def test_snooze_choices_follow_the_browsers_time_zone_else_the_profiles():
    los_angeles, tokyo = ZoneInfo("America/Los_Angeles"), ZoneInfo("Asia/Tokyo")
    agent = factories.agent()
    agent.time_zone = "Asia/Tokyo"
    agent.save(update_fields=["time_zone"])
    client = logged_in(agent)
    in_la, in_tokyo = factories.queued_conversation(), factories.queued_conversation()
    la_tomorrow = timezone.now().astimezone(los_angeles).date() + timedelta(days=1)
    at = datetime.combine(la_tomorrow, time(10, 30))

    # The console reported the browser's zone: both the quick choice and a chosen time.
    client.cookies["console_time_zone"] = "America/Los_Angeles"
    header_snooze(client, in_la, snooze="tomorrow")
    until = Conversation.objects.get(pk=in_la.pk).snoozed_until.astimezone(los_angeles)
    assert (until.date(), until.time()) == (la_tomorrow, time(9, 0))
    bulk(client, [in_la.pk], "snooze", snooze="at", snooze_at=at.isoformat(timespec="minutes"))
    assert Conversation.objects.get(pk=in_la.pk).snoozed_until == at.replace(tzinfo=los_angeles)

    # No (or an unknown) zone from the browser: the profile's.
    client.cookies["console_time_zone"] = "Nowhere/Special"
    tokyo_tomorrow = timezone.now().astimezone(tokyo).date() + timedelta(days=1)
    header_snooze(client, in_tokyo, snooze="tomorrow")
    until = Conversation.objects.get(pk=in_tokyo.pk).snoozed_until.astimezone(tokyo)
    assert (until.date(), until.time()) == (tokyo_tomorrow, time(9, 0))


def header_snooze(client, conversation, **data):
    response = client.post(
        reverse("console:conversation_snooze", args=[conversation.pk]), data, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200, response.content
