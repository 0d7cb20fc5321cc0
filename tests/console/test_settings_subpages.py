"""The console's settings sub-pages for supervisors: teams and members, business hours and
holidays, topics, response targets. Agents get 403 and no link; a refusal is a 400 page with
the error beside its field and what was typed kept; the list pages read a fixed number of
queries however many rows they show."""

import pytest
from django.test import Client

from support.models import BusinessHoursInterval, ResponseTarget, SpecialDay, Team, Topic
from tests import factories

pytestmark = pytest.mark.django_db


def client_for(profile):
    client = Client()
    client.force_login(profile.user)
    return client


def test_agents_get_403_on_every_settings_page_and_see_no_link():
    team = factories.team()
    topic = factories.topic(team=team)
    holiday = factories.special_day(team=team, date="2030-01-01")
    member = factories.agent(teams=[team])
    agent = client_for(factories.agent())
    pages = [
        "/console/settings/teams/",
        f"/console/settings/teams/{team.pk}/",
        f"/console/settings/teams/{team.pk}/hours/",
        "/console/settings/topics/",
        f"/console/settings/topics/{topic.pk}/",
        "/console/settings/targets/",
    ]
    for url in pages:
        assert agent.get(url).status_code == 403, url
        assert agent.post(url, {"name": "x"}).status_code == 403, url
    posts = [
        f"/console/settings/teams/{team.pk}/delete",
        f"/console/settings/teams/{team.pk}/members",
        f"/console/settings/teams/{team.pk}/members/{member.pk}/remove",
        f"/console/settings/teams/{team.pk}/holidays",
        f"/console/settings/teams/{team.pk}/holidays/{holiday.pk}/delete",
        f"/console/settings/topics/{topic.pk}/delete",
    ]
    for url in posts:
        assert agent.post(url, {"confirm": "on", "agent": member.pk}).status_code == 403, url
    assert Team.objects.count() == 1 and Topic.objects.count() == 1
    assert member.teams.count() == 1 and SpecialDay.objects.count() == 1
    inbox = agent.get("/console/").content.decode()
    assert 'id="nav-settings"' not in inbox and "/console/settings/" not in inbox


def test_the_team_list_reads_a_fixed_number_of_queries(django_assert_max_num_queries):
    boss = client_for(factories.supervisor())
    for n in range(5):
        team = factories.team(name=f"Team {n}")
        factories.agent(teams=[team])
        factories.topic(team=team)
    # The session, the user, the agent and one for the teams with their counts.
    with django_assert_max_num_queries(5):
        page = boss.get("/console/settings/teams/")
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count("1 member") == 5 and text.count("1 topic") == 5
    assert 'aria-current="page">Teams and hours' in text


def test_a_supervisor_creates_a_team_and_adds_a_member():
    boss = client_for(factories.supervisor())
    agent = factories.agent(display_name="Ayşe Demir")
    refused = boss.post("/console/settings/teams/", {"name": "", "name_tr": "Mutfak"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert 'id="team-name-error"' in text and 'value="Mutfak"' in text
    created = boss.post("/console/settings/teams/", {"name": "Kitchen", "name_tr": "Mutfak"})
    team = Team.objects.get(name="Kitchen")
    assert created.status_code == 302 and created["Location"].endswith(
        f"/console/settings/teams/{team.pk}/?saved=team"
    )
    added = boss.post(f"/console/settings/teams/{team.pk}/members", {"agent": agent.pk})
    assert added.status_code == 302
    assert list(agent.teams.all()) == [team]
    page = boss.get(f"/console/settings/teams/{team.pk}/").content.decode()
    assert "Ayşe Demir" in page and "1 member" in page
    again = boss.post(f"/console/settings/teams/{team.pk}/members", {"agent": agent.pk})
    assert again.status_code == 400 and "already" in again.content.decode()
    removed = boss.post(f"/console/settings/teams/{team.pk}/members/{agent.pk}/remove")
    assert removed.status_code == 302 and not agent.teams.exists()


def test_deleting_a_team_needs_a_tick_and_a_used_one_says_why():
    boss = client_for(factories.supervisor())
    team = factories.team(name="Payments")
    factories.topic(team=team)
    unticked = boss.post(f"/console/settings/teams/{team.pk}/delete")
    assert unticked.status_code == 400 and "Tick the box" in unticked.content.decode()
    refused = boss.post(f"/console/settings/teams/{team.pk}/delete", {"confirm": "on"})
    assert refused.status_code == 409
    assert "1 topic routes to it" in refused.content.decode()
    empty = factories.team(name="Test")
    deleted = boss.post(f"/console/settings/teams/{empty.pk}/delete", {"confirm": "on"})
    assert deleted.status_code == 302
    assert "Team deleted." in boss.get(deleted["Location"]).content.decode()
    assert list(Team.objects.values_list("name", flat=True)) == ["Payments"]
    assert boss.get(f"/console/settings/teams/{empty.pk}/").status_code == 404


def hours_form(**slots):
    form = {"time_zone": "Europe/Istanbul", "mode": "hours"}
    for weekday in range(7):
        for index in range(2):
            form[f"opens-{weekday}-{index}"] = ""
            form[f"closes-{weekday}-{index}"] = ""
    for name, value in slots.items():
        kind, weekday, index = name.split("_")
        form[f"{kind}-{weekday}-{index}"] = value
    return form


def test_hours_are_saved_and_a_bad_slot_is_marked_with_everything_kept():
    boss = client_for(factories.supervisor())
    team = factories.team()
    url = f"/console/settings/teams/{team.pk}/hours/"
    assert boss.get(url).status_code == 200
    refused = boss.post(
        url,
        {
            **hours_form(opens_0_0="09:00", closes_0_0="17:00", opens_0_1="16:00", closes_0_1=""),
            "out_of_hours_message_en": "Back at nine.",
        },
    )
    assert refused.status_code == 400
    text = refused.content.decode()
    assert ">Back at nine.</textarea>" in text
    assert 'id="error-0-1"' in text and "Give both the opening and the closing time." in text
    assert 'name="opens-0-0" value="09:00"' in text and 'name="opens-0-1" value="16:00"' in text
    assert not BusinessHoursInterval.objects.exists()
    saved = boss.post(
        url,
        hours_form(opens_0_0="09:00", closes_0_0="17:00", opens_4_0="18:00", closes_4_0="02:00"),
    )
    assert saved.status_code == 302
    assert [str(i) for i in team.hours.all()] == ["Monday 09:00–17:00", "Friday 18:00–02:00"]
    page = boss.get(url).content.decode()
    assert 'name="closes-4-0" value="02:00"' in page and "(next day)" in page


def test_a_holiday_is_added_and_a_bad_one_keeps_what_was_typed():
    boss = client_for(factories.supervisor())
    team = factories.team()
    url = f"/console/settings/teams/{team.pk}/holidays"
    refused = boss.post(url, {"date": "2099-02-30", "name": "Bayram", "closed": "on"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert 'id="holiday-date-error"' in text and 'value="Bayram"' in text
    added = boss.post(url, {"date": "2099-04-23", "name": "Bayram", "closed": "on"})
    assert added.status_code == 302
    holiday = SpecialDay.objects.get()
    assert (str(holiday.date), holiday.name, holiday.is_closed) == ("2099-04-23", "Bayram", True)
    assert "Bayram" in boss.get(f"/console/settings/teams/{team.pk}/hours/").content.decode()
    boss.post(f"/console/settings/teams/{team.pk}/holidays/{holiday.pk}/delete")
    assert not SpecialDay.objects.exists()


def test_the_topic_list_reads_a_fixed_number_of_queries_and_edits(django_assert_max_num_queries):
    boss = client_for(factories.supervisor())
    team = factories.team()
    for n in range(6):
        factories.topic(slug=f"t{n}", team=team if n % 2 else None)
    # The session, the user, the agent, the topics with their teams, the teams' menu.
    with django_assert_max_num_queries(6):
        page = boss.get("/console/settings/topics/")
    assert page.status_code == 200 and page.content.decode().count("settings-row-name") == 6
    topic = Topic.objects.get(slug="t1")
    refused = boss.post(
        f"/console/settings/topics/{topic.pk}/",
        {"name_en": "Orders", "name_tr": "", "team": str(team.pk), "default_priority": "high"},
    )
    assert refused.status_code == 400
    text = refused.content.decode()
    assert 'id="topic-name-tr-error"' in text and 'value="Orders"' in text
    saved = boss.post(
        f"/console/settings/topics/{topic.pk}/",
        {
            "name_en": "Orders",
            "name_tr": "Siparişler",
            "team": str(team.pk),
            "default_priority": "high",
            "order": "2",
            "is_active": "on",
        },
    )
    assert saved.status_code == 302
    topic.refresh_from_db()
    assert (topic.name_tr, topic.default_priority, topic.order) == ("Siparişler", "high", 2)


def test_response_targets_page_shows_units_and_refuses_by_field():
    boss = client_for(factories.supervisor())
    page = boss.get("/console/settings/targets/").content.decode()
    # The defaults: normal answers within 2 minutes and resolves within a day.
    assert 'name="first-normal" inputmode="numeric" value="2"' in page
    assert 'name="resolution-normal" inputmode="numeric" value="1"' in page
    form = {}
    for priority in ("low", "normal", "high", "urgent"):
        form |= {
            f"first-{priority}": "10",
            f"first_unit-{priority}": "minutes",
            f"resolution-{priority}": "4",
            f"resolution_unit-{priority}": "hours",
        }
    refused = boss.post("/console/settings/targets/", {**form, "resolution-high": "soon"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert 'id="resolution-high-error"' in text and 'value="soon"' in text
    saved = boss.post("/console/settings/targets/", form)
    assert saved.status_code == 302
    assert set(ResponseTarget.objects.values_list("first_response_seconds", flat=True)) == {600}


def test_the_settings_pages_in_turkish():
    boss = factories.supervisor()
    boss.language = "tr"
    boss.save()
    client = client_for(boss)
    team = factories.team()
    expected = {
        "/console/settings/": "Ekipler ve çalışma saatleri",
        "/console/settings/teams/": "Yeni ekip",
        f"/console/settings/teams/{team.pk}/": "Ekibi sil",
        f"/console/settings/teams/{team.pk}/hours/": "Tatiller",
        "/console/settings/topics/": "Yeni konu",
        "/console/settings/targets/": "Yanıt hedefleri",
    }
    for url, text in expected.items():
        page = client.get(url)
        assert page.status_code == 200 and text in page.content.decode(), url
