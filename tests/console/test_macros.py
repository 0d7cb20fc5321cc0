"""Macros: named action sequences, personal or a team's, run from a conversation atomically
through the existing services, audited."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from support import errors, services
from support.models import AuditEvent, Conversation, Macro, Message
from tests import factories
from tests.factories import logged_in

pytestmark = pytest.mark.django_db

Status = Conversation.Status
ISTANBUL = ZoneInfo("Europe/Istanbul")


def test_a_macro_runs_its_steps_in_order_and_is_audited():
    agent = factories.agent()
    canned = factories.canned_response(by=agent, body_en="Your refund is on its way.")
    label = factories.label(name="refund")
    macro = services.macro_create(
        by=agent,
        name="Refund sent",
        actions=[
            {"type": "reply", "value": str(canned.pk)},
            {"type": "label", "value": str(label.pk)},
            {"type": "priority", "value": "high"},
            {"type": "resolve", "value": ""},
        ],
    )
    conversation = factories.queued_conversation()
    services.macro_run(profile=agent, macro=macro, conversation=conversation, time_zone=ISTANBUL)
    conversation.refresh_from_db()
    assert conversation.status == Status.RESOLVED and conversation.priority == "high"
    assert list(conversation.labels.values_list("name", flat=True)) == ["refund"]
    assert Message.objects.filter(
        conversation=conversation, sender_type="agent", body="Your refund is on its way."
    ).exists()
    record = AuditEvent.objects.get(action=AuditEvent.Action.MACRO_RUN)
    assert record.detail["name"] == "Refund sent" and len(record.detail["actions"]) == 4


def test_a_refused_step_undoes_the_whole_run():
    agent = factories.agent()
    label = factories.label(name="vip")
    macro = services.macro_create(
        by=agent,
        name="Label and snooze",
        actions=[{"type": "label", "value": str(label.pk)}, {"type": "snooze", "value": "1h"}],
    )
    conversation = factories.queued_conversation()
    Conversation.objects.filter(pk=conversation.pk).update(status=Status.BOT)
    with pytest.raises(errors.IllegalTransition):
        services.macro_run(
            profile=agent, macro=macro, conversation=conversation, time_zone=ISTANBUL
        )
    assert not conversation.labels.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.MACRO_RUN).exists()


def test_bad_macros_are_refused():
    agent = factories.agent()
    for actions in ([], [{"type": "explode"}], [{"type": "priority", "value": "huge"}]):
        with pytest.raises(errors.InvalidInput):
            services.macro_create(by=agent, name="x", actions=actions)
    with pytest.raises(errors.InvalidInput):
        services.macro_create(by=agent, name=" ", actions=[{"type": "resolve"}])
    team = factories.team()
    with pytest.raises(errors.Forbidden):
        services.macro_create(by=agent, name="t", actions=[{"type": "resolve"}], team_id=team.pk)
    assert not Macro.objects.exists()


def test_personal_and_team_macros_and_who_runs_them():
    team = factories.team()
    member = factories.agent(teams=[team])
    outsider = factories.agent()
    supervisor = factories.supervisor()
    shared = services.macro_create(
        by=supervisor, name="Team close", actions=[{"type": "resolve"}], team_id=team.pk
    )
    personal = services.macro_create(by=outsider, name="Mine", actions=[{"type": "resolve"}])
    conversation = factories.queued_conversation()
    url = reverse("console:conversation_macro_run", args=[conversation.pk, shared.pk])
    assert logged_in(outsider).post(url, HTTP_HX_REQUEST="true").status_code == 404
    assert Conversation.objects.get(pk=conversation.pk).status == Status.QUEUED
    menu = logged_in(member).get(reverse("console:conversation_macro_menu", args=[conversation.pk]))
    assert "Team close" in menu.content.decode() and "Mine" not in menu.content.decode()
    response = logged_in(member).post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert Conversation.objects.get(pk=conversation.pk).status == Status.RESOLVED
    with pytest.raises(errors.Forbidden):
        services.macro_delete(by=member, macro=shared)
    with pytest.raises(errors.Forbidden):
        services.macro_update(by=member, macro=personal, name="x", actions=[{"type": "resolve"}])


def test_manage_macros_in_the_console():
    agent = factories.agent()
    label = factories.label(name="order")
    client = logged_in(agent)
    page = client.get(reverse("console:macro_list"))
    assert page.status_code == 200 and 'id="macro-form"' in page.content.decode()
    response = client.post(
        reverse("console:macro_list"),
        {"name": "Order question", "step_label": str(label.pk), "step_assign": "me",
         "finish": "snooze:reply"},
    )  # fmt: skip
    assert response.status_code == 302
    macro = Macro.objects.get()
    assert macro.owner_id == agent.user_id
    assert macro.actions == [
        {"type": "label", "value": str(label.pk)},
        {"type": "assign", "value": "me"},
        {"type": "snooze", "value": "reply"},
    ]
    bad = client.post(reverse("console:macro_list"), {"name": "Nothing", "step_assign": "none"})
    assert bad.status_code == 400 and "at least one action" in bad.content.decode()
    edit_url = reverse("console:macro_edit", args=[macro.pk])
    client.post(edit_url, {"name": "Order Q", "finish": "resolve"})
    macro.refresh_from_db()
    assert macro.name == "Order Q" and macro.actions == [{"type": "resolve", "value": ""}]
    client.post(edit_url, {"delete": "1"})
    assert not Macro.objects.exists()


def test_the_conversation_page_offers_macros_without_a_query_of_its_own():
    agent = factories.agent()
    conversation = factories.queued_conversation()
    html = logged_in(agent).get(reverse("console:conversation", args=[conversation.pk]))
    assert 'id="macro-menu"' in html.content.decode()


def test_a_macro_snoozes_until_tomorrow_morning_on_the_agents_clock():
    agent = factories.agent()
    macro = services.macro_create(
        by=agent, name="Tomorrow", actions=[{"type": "snooze", "value": "tomorrow"}]
    )
    conversation = factories.queued_conversation()
    client = logged_in(agent)
    client.cookies["console_time_zone"] = "America/Los_Angeles"
    los_angeles = ZoneInfo("America/Los_Angeles")
    today = timezone.now().astimezone(los_angeles).date()
    response = client.post(
        reverse("console:conversation_macro_run", args=[conversation.pk, macro.pk]),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    conversation.refresh_from_db()
    until = conversation.snoozed_until.astimezone(los_angeles)
    assert (until.date(), until.hour, until.minute) == (today + timedelta(days=1), 9, 0)
