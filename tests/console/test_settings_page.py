"""Supervisors' settings in the console: widget appearance and retention periods, validated
like the admin, audited, refused to agents; retention reads the console's value over the
environment's default (one source, support.retention)."""

import pytest
from django.test import Client

from support import retention
from support.models import AuditEvent, RetentionPolicy, Widget
from tests import factories

pytestmark = pytest.mark.django_db


def client_for(profile):
    client = Client()
    client.force_login(profile.user)
    return client


APPEARANCE = {
    "launcher_color": "#facc15",
    "launcher_position": "left",
    "launcher_text_en": "Chat",
    "launcher_text_tr": "Sohbet",
    "logo_url": "https://cdn.example.com/logo.png",
    "assistant_avatar_url": "",
    "assistant_name_en": "Lale",
    "assistant_name_tr": "Lale",
    "show_agent_avatars": "on",
    "follow_dark_mode": "on",
}


def test_agents_cannot_see_or_change_settings():
    widget = factories.widget()
    agent = client_for(factories.agent())
    assert agent.get("/console/settings/").status_code == 403
    assert agent.post(f"/console/settings/widgets/{widget.pk}/", APPEARANCE).status_code == 403
    assert agent.post("/console/settings/retention", {"messages": "1"}).status_code == 403
    widget.refresh_from_db()
    assert widget.launcher_color == "#4338ca"
    assert not RetentionPolicy.objects.exists()


def test_a_supervisor_changes_a_widgets_appearance_and_it_is_audited():
    widget = factories.widget()
    boss = factories.supervisor()
    response = client_for(boss).post(f"/console/settings/widgets/{widget.pk}/", APPEARANCE)
    assert response.status_code == 302
    widget.refresh_from_db()
    assert (widget.launcher_color, widget.launcher_position, widget.show_powered_by) == (
        "#facc15",
        "left",
        False,
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.SETTINGS_CHANGED)
    assert event.actor == boss.user
    assert event.detail["changed"]["launcher_color"] == ["#4338ca", "#facc15"]


def test_a_bad_colour_or_address_is_refused_clearly_and_what_was_typed_stays():
    widget = factories.widget()
    boss = client_for(factories.supervisor())
    response = boss.post(
        f"/console/settings/widgets/{widget.pk}/",
        {**APPEARANCE, "launcher_color": "#12", "logo_url": "http://insecure.example.com/l.png"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "brand colour" in page and "logo" in page
    assert 'value="http://insecure.example.com/l.png"' in page
    widget.refresh_from_db()
    assert widget.launcher_color == "#4338ca"
    assert not AuditEvent.objects.exists()


def test_retention_periods_move_from_the_environment_to_the_console(settings):
    settings.DESTEK = {
        **settings.DESTEK,
        "RETENTION_DAYS": {"messages": 30, "contacts_without_conversations": 0},
    }
    assert retention.policy_days_all() == {"messages": 30, "contacts_without_conversations": 0}
    boss = client_for(factories.supervisor())
    response = boss.post(
        "/console/settings/retention", {"messages": "90", "contacts_without_conversations": "7"}
    )
    assert response.status_code == 302
    assert retention.policy_days_all() == {"messages": 90, "contacts_without_conversations": 7}
    assert [p["days"] for p in retention.retention_policies()] == [90, 7]
    event = AuditEvent.objects.get(action=AuditEvent.Action.SETTINGS_CHANGED)
    assert event.detail == {
        "retention": {"messages": [30, 90], "contacts_without_conversations": [0, 7]}
    }


@pytest.mark.parametrize("bad", ["-1", "ten", "", "99999"])
def test_a_bad_period_changes_none_of_them(bad):
    boss = client_for(factories.supervisor())
    response = boss.post(
        "/console/settings/retention", {"messages": "5", "contacts_without_conversations": bad}
    )
    assert response.status_code == 400
    assert "whole number of days" in response.content.decode()
    assert not RetentionPolicy.objects.exists()


def test_the_settings_page_in_turkish_with_bounded_queries(django_assert_max_num_queries):
    boss = factories.supervisor()
    boss.language = "tr"
    boss.save()
    for _ in range(3):
        factories.widget()
    client = client_for(boss)
    with django_assert_max_num_queries(12):
        page = client.get("/console/settings/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ayarlar" in text and "Saklama süreleri" in text
    # One form per widget, the new label and the retention periods.
    assert text.count('class="canned-form"') == Widget.objects.count() + 2


def test_a_supervisor_adds_and_deletes_labels_and_agents_cannot():
    from support.models import Label

    boss = client_for(factories.supervisor())
    assert (
        boss.post("/console/settings/labels", {"name": "vip", "colour": "#B91C1C"}).status_code
        == 302
    )
    label = Label.objects.get(name="vip")
    assert label.colour == "#b91c1c"
    refused = boss.post("/console/settings/labels", {"name": "VIP", "colour": "#000000"})
    assert refused.status_code == 400
    assert "exists already" in refused.content.decode()
    bad = boss.post("/console/settings/labels", {"name": "late", "colour": "red"})
    assert bad.status_code == 400
    assert 'value="late"' in bad.content.decode()
    agent = client_for(factories.agent())
    assert (
        agent.post("/console/settings/labels", {"name": "x", "colour": "#000000"}).status_code
        == 403
    )
    assert agent.post(f"/console/settings/labels/{label.pk}/delete").status_code == 403
    assert boss.post(f"/console/settings/labels/{label.pk}/delete").status_code == 302
    assert not Label.objects.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SETTINGS_CHANGED).count() == 2
