"""Business hours (support/hours.py): open or closed, closing and next opening, across DST."""

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from support import hours
from support.hours import OpeningStatus, team_opening_status, teams_opening_status
from support.models import BusinessHoursInterval, SpecialDay, Team
from tests import factories

pytestmark = pytest.mark.django_db

ISTANBUL = "Europe/Istanbul"  # UTC+3 all year: plain arithmetic in the simple cases
BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def local(zone: str, text: str) -> datetime:
    """A wall-clock time in a zone ("2026-06-01 09:00"), first occurrence when ambiguous."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def status_at(team: Team, zone_or_at, text: str | None = None) -> OpeningStatus:
    at = zone_or_at if text is None else local(zone_or_at, text)
    return team_opening_status(team=team, at=at)


def office_team(zone=ISTANBUL, opens="09:00", closes="17:00", days=(MON, TUE, WED, THU, FRI)):
    team = factories.hours_team(time_zone=zone)
    for weekday in days:
        factories.business_hours(team=team, weekday=weekday, opens=opens, closes=closes)
    return team


# 2026-06-01 is a Monday; Istanbul has no DST.


# --- the weekly schedule --------------------------------------------------------------------------


def test_a_team_without_hours_is_always_open():
    team = factories.team()

    status = status_at(team, utc("2026-06-06 03:00"))

    assert status == OpeningStatus(is_open=True, closes_at=None, next_open_at=None)


def test_open_inside_an_interval_until_its_close():
    team = office_team()

    status = status_at(team, ISTANBUL, "2026-06-01 10:30")

    assert status.is_open
    assert status.closes_at == utc("2026-06-01 14:00")  # 17:00 +03:00
    assert status.closes_at.tzinfo == UTC
    assert status.next_open_at is None


def test_opening_is_inclusive_and_closing_exclusive():
    team = office_team()

    assert status_at(team, ISTANBUL, "2026-06-01 09:00").is_open
    assert not status_at(team, ISTANBUL, "2026-06-01 08:59:59").is_open
    assert status_at(team, ISTANBUL, "2026-06-01 16:59:59").is_open
    closed = status_at(team, ISTANBUL, "2026-06-01 17:00")
    assert not closed.is_open
    assert closed.closes_at is None
    assert closed.next_open_at == local(ISTANBUL, "2026-06-02 09:00")


def test_closed_before_opening_opens_the_same_day():
    team = office_team()

    status = status_at(team, ISTANBUL, "2026-06-01 07:00")

    assert not status.is_open
    assert status.next_open_at == utc("2026-06-01 06:00")
    assert status.next_open_at.tzinfo == UTC


def test_several_intervals_a_day():
    team = factories.hours_team(time_zone=ISTANBUL)
    factories.business_hours(team=team, weekday=MON, opens="13:00", closes="17:00")
    factories.business_hours(team=team, weekday=MON, opens="09:00", closes="12:00")

    morning = status_at(team, ISTANBUL, "2026-06-01 11:00")
    lunch = status_at(team, ISTANBUL, "2026-06-01 12:30")
    afternoon = status_at(team, ISTANBUL, "2026-06-01 13:00")

    assert morning.is_open and morning.closes_at == local(ISTANBUL, "2026-06-01 12:00")
    assert not lunch.is_open and lunch.next_open_at == local(ISTANBUL, "2026-06-01 13:00")
    assert afternoon.is_open and afternoon.closes_at == local(ISTANBUL, "2026-06-01 17:00")


def test_touching_intervals_are_one_opening():
    team = factories.hours_team(time_zone=ISTANBUL)
    factories.business_hours(team=team, weekday=MON, opens="09:00", closes="12:00")
    factories.business_hours(team=team, weekday=MON, opens="12:00", closes="18:00")

    status = status_at(team, ISTANBUL, "2026-06-01 10:00")

    assert status.closes_at == local(ISTANBUL, "2026-06-01 18:00")


def test_an_interval_closing_before_it_opens_runs_past_midnight():
    team = factories.hours_team(time_zone=ISTANBUL)
    factories.business_hours(team=team, weekday=FRI, opens="22:00", closes="02:00")

    before = status_at(team, ISTANBUL, "2026-06-05 21:59")
    friday_night = status_at(team, ISTANBUL, "2026-06-05 23:00")
    saturday_small_hours = status_at(team, ISTANBUL, "2026-06-06 01:00")
    closing_time = status_at(team, ISTANBUL, "2026-06-06 02:00")

    assert not before.is_open and before.next_open_at == local(ISTANBUL, "2026-06-05 22:00")
    assert friday_night.is_open
    assert saturday_small_hours.is_open
    assert saturday_small_hours.closes_at == local(ISTANBUL, "2026-06-06 02:00")
    assert not closing_time.is_open
    assert closing_time.next_open_at == local(ISTANBUL, "2026-06-12 22:00")


def test_midnight_to_midnight_is_open_all_day():
    team = factories.hours_team(time_zone=ISTANBUL)
    factories.business_hours(team=team, weekday=WED, opens="00:00", closes="00:00")

    assert status_at(team, ISTANBUL, "2026-06-03 00:00").is_open
    late = status_at(team, ISTANBUL, "2026-06-03 23:59")
    assert late.is_open and late.closes_at == local(ISTANBUL, "2026-06-04 00:00")
    assert not status_at(team, ISTANBUL, "2026-06-04 00:00").is_open
    assert not status_at(team, ISTANBUL, "2026-06-02 23:59").is_open


def test_whole_days_in_a_row_close_at_the_end_of_the_last():
    team = factories.hours_team(time_zone=ISTANBUL)
    for weekday in (WED, THU):
        factories.business_hours(team=team, weekday=weekday, opens="00:00", closes="00:00")

    status = status_at(team, ISTANBUL, "2026-06-03 12:00")

    assert status.closes_at == local(ISTANBUL, "2026-06-05 00:00")


def test_open_every_day_all_day_does_not_close_within_the_horizon():
    team = factories.hours_team(time_zone=ISTANBUL)
    for weekday in range(7):
        factories.business_hours(team=team, weekday=weekday, opens="00:00", closes="00:00")

    assert status_at(team, ISTANBUL, "2026-06-03 12:00") == OpeningStatus(is_open=True)


# --- special days ---------------------------------------------------------------------------------


def test_a_holiday_closes_the_whole_day():
    team = office_team()
    factories.special_day(team=team, date=date(2026, 6, 3))  # Wednesday

    status = status_at(team, ISTANBUL, "2026-06-03 10:00")

    assert not status.is_open
    assert status.next_open_at == local(ISTANBUL, "2026-06-04 09:00")


def test_a_holiday_does_not_cut_short_the_night_before():
    """Decision: the previous day's interval runs until its close, even into a holiday."""
    team = factories.hours_team(time_zone=ISTANBUL)
    factories.business_hours(team=team, weekday=FRI, opens="22:00", closes="02:00")
    factories.business_hours(team=team, weekday=SAT, opens="10:00", closes="12:00")
    factories.special_day(team=team, date=date(2026, 6, 6))  # that Saturday

    small_hours = status_at(team, ISTANBUL, "2026-06-06 01:00")
    saturday_morning = status_at(team, ISTANBUL, "2026-06-06 10:30")

    assert small_hours.is_open
    assert small_hours.closes_at == local(ISTANBUL, "2026-06-06 02:00")
    assert not saturday_morning.is_open
    assert saturday_morning.next_open_at == local(ISTANBUL, "2026-06-12 22:00")


def test_special_hours_replace_the_weekly_ones_that_day():
    team = office_team()
    factories.special_day(team=team, date=date(2026, 6, 3), opens="10:00", closes="14:00")

    early = status_at(team, ISTANBUL, "2026-06-03 09:30")
    inside = status_at(team, ISTANBUL, "2026-06-03 13:00")
    after = status_at(team, ISTANBUL, "2026-06-03 15:00")

    assert not early.is_open and early.next_open_at == local(ISTANBUL, "2026-06-03 10:00")
    assert inside.is_open and inside.closes_at == local(ISTANBUL, "2026-06-03 14:00")
    assert not after.is_open and after.next_open_at == local(ISTANBUL, "2026-06-04 09:00")


def test_special_hours_open_a_day_that_is_normally_closed():
    team = office_team()
    factories.special_day(team=team, date=date(2026, 6, 6), opens="10:00", closes="14:00")

    friday_evening = status_at(team, ISTANBUL, "2026-06-05 18:00")

    assert friday_evening.next_open_at == local(ISTANBUL, "2026-06-06 10:00")
    assert status_at(team, ISTANBUL, "2026-06-06 11:00").is_open


def test_special_hours_can_run_past_midnight():
    team = office_team()
    factories.special_day(team=team, date=date(2026, 12, 31), opens="20:00", closes="01:00")

    status = status_at(team, ISTANBUL, "2027-01-01 00:30")

    assert status.is_open
    assert status.closes_at == local(ISTANBUL, "2027-01-01 01:00")


def test_next_opening_skips_the_weekend_and_a_holiday():
    team = office_team()
    factories.special_day(team=team, date=date(2026, 6, 8), name="Bank holiday")  # Monday

    status = status_at(team, ISTANBUL, "2026-06-05 18:00")  # Friday evening

    assert not status.is_open
    assert status.next_open_at == local(ISTANBUL, "2026-06-09 09:00")  # Tuesday


def test_no_opening_within_fourteen_days_has_no_next_opening():
    team = office_team(days=(MON,))
    for monday in (date(2026, 6, 8), date(2026, 6, 15), date(2026, 6, 22)):
        factories.special_day(team=team, date=monday)

    status = status_at(team, ISTANBUL, "2026-06-02 12:00")

    assert status == OpeningStatus(is_open=False, closes_at=None, next_open_at=None)


def test_a_team_without_weekly_hours_is_open_except_on_its_holidays():
    team = factories.hours_team(time_zone=ISTANBUL)
    factories.special_day(team=team, date=date(2026, 6, 10))

    before = status_at(team, ISTANBUL, "2026-06-08 12:00")
    holiday = status_at(team, ISTANBUL, "2026-06-10 12:00")

    assert before.is_open and before.closes_at == local(ISTANBUL, "2026-06-10 00:00")
    assert not holiday.is_open and holiday.next_open_at == local(ISTANBUL, "2026-06-11 00:00")


def test_special_days_of_other_dates_and_teams_do_not_matter():
    team = office_team()
    other = office_team()
    factories.special_day(team=other, date=date(2026, 6, 1))
    factories.special_day(team=team, date=date(2025, 6, 1))

    assert status_at(team, ISTANBUL, "2026-06-01 10:00").is_open


# --- daylight saving time -------------------------------------------------------------------------
# Berlin: 2026-03-29 02:00 CET → 03:00 CEST (01:00 UTC); 2026-10-25 03:00 CEST → 02:00 CET.
# New York: 2026-03-08 02:00 EST → 03:00 EDT (07:00 UTC); 2026-11-01 02:00 EDT → 01:00 EST.


@pytest.mark.parametrize(
    ("zone", "opens", "closes", "opens_utc", "closes_utc", "monday_nine_utc"),
    [
        # Spring forward: 01:30 still on winter time, 03:30 already on summer time: one hour.
        (BERLIN, "01:30", "03:30", "2026-03-29 00:30", "2026-03-29 01:30", "2026-03-30 07:00"),
        (NEW_YORK, "01:30", "03:30", "2026-03-08 06:30", "2026-03-08 07:30", "2026-03-09 13:00"),
        # Fall back: 01:30 Berlin happens once (CEST); 02:30 happens twice: the first (CEST).
        (BERLIN, "02:30", "03:00", "2026-10-25 00:30", "2026-10-25 02:00", "2026-10-26 08:00"),
        # 01:30 New York happens twice: the first (EDT, -04:00) is meant; 03:00 is EST.
        (NEW_YORK, "01:30", "03:00", "2026-11-01 05:30", "2026-11-01 08:00", "2026-11-02 14:00"),
    ],
)
def test_sunday_hours_across_a_dst_change(
    zone, opens, closes, opens_utc, closes_utc, monday_nine_utc
):
    team = factories.hours_team(time_zone=zone)
    factories.business_hours(team=team, weekday=SUN, opens=opens, closes=closes)
    factories.business_hours(team=team, weekday=MON, opens="09:00", closes="17:00")
    sunday = datetime.fromisoformat(opens_utc[:10]).replace(tzinfo=UTC)

    from_saturday = status_at(team, sunday - timedelta(hours=12))
    after = status_at(team, utc(closes_utc))

    assert from_saturday.next_open_at == utc(opens_utc)
    for moment in (utc(opens_utc), utc(opens_utc) + timedelta(minutes=30)):
        inside = status_at(team, moment)
        assert inside.is_open and inside.closes_at == utc(closes_utc)
    assert not after.is_open and after.next_open_at == utc(monday_nine_utc)


def test_a_local_time_in_the_spring_gap_moves_forward_by_the_gap():
    team = factories.hours_team(time_zone=BERLIN)
    # 02:30 does not exist on 2026-03-29: it is read as 03:30 CEST (01:30 UTC).
    factories.business_hours(team=team, weekday=SUN, opens="02:30", closes="05:00")

    status = status_at(team, utc("2026-03-29 01:00"))

    assert not status.is_open
    assert status.next_open_at == utc("2026-03-29 01:30")
    assert status_at(team, utc("2026-03-29 01:30")).closes_at == utc("2026-03-29 03:00")


def test_an_interval_emptied_by_the_spring_gap_is_dropped():
    team = factories.hours_team(time_zone=BERLIN)
    # 02:30–03:00 on 2026-03-29 would be 03:30–03:00 CEST: nothing; the next Sunday it is 30 min.
    factories.business_hours(team=team, weekday=SUN, opens="02:30", closes="03:00")

    status = status_at(team, utc("2026-03-28 12:00"))

    assert status.next_open_at == utc("2026-04-05 00:30")
    assert status_at(team, utc("2026-04-05 00:45")).closes_at == utc("2026-04-05 01:00")


def test_a_whole_day_lasts_23_and_25_hours_on_change_days():
    team = factories.hours_team(time_zone=BERLIN)
    factories.business_hours(team=team, weekday=SUN, opens="00:00", closes="00:00")

    spring = status_at(team, utc("2026-03-28 23:00"))  # Sunday 00:00 CET
    autumn = status_at(team, utc("2026-10-24 22:00"))  # Sunday 00:00 CEST

    assert spring.is_open and spring.closes_at - utc("2026-03-28 23:00") == timedelta(hours=23)
    assert autumn.is_open and autumn.closes_at - utc("2026-10-24 22:00") == timedelta(hours=25)


def test_a_night_interval_across_the_spring_change():
    team = factories.hours_team(time_zone=BERLIN)
    factories.business_hours(team=team, weekday=SAT, opens="22:00", closes="04:00")

    status = status_at(team, utc("2026-03-28 23:30"))  # Sunday 00:30 CET

    assert status.is_open
    assert status.closes_at == utc("2026-03-29 02:00")  # 04:00 CEST: five real hours


def pure_status(zone, schedule, at):
    rows = [
        SimpleNamespace(weekday=w, opens_at=time.fromisoformat(o), closes_at=time.fromisoformat(c))
        for w, o, c in schedule
    ]
    return hours.opening_status(hours=rows, special_days=[], time_zone=ZoneInfo(zone), at=at)


@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK])
@pytest.mark.parametrize("start", ["2026-03-05", "2026-10-22"])
def test_every_reported_boundary_is_a_real_change(zone, start):
    """Walk three weeks around a DST change every 30 minutes: the answers agree with each other."""
    schedule = [
        (MON, "09:00", "17:00"),
        (TUE, "09:00", "12:00"),
        (TUE, "13:00", "17:00"),
        (FRI, "22:00", "02:00"),
        (SAT, "01:30", "03:30"),
        (SUN, "02:30", "02:15"),
    ]
    at = utc(f"{start} 00:00")
    tick = timedelta(minutes=30)
    for _ in range(21 * 24 * 2):
        status = pure_status(zone, schedule, at)
        if status.is_open:
            assert status.closes_at > at
            assert not pure_status(zone, schedule, status.closes_at).is_open
            assert pure_status(zone, schedule, status.closes_at - timedelta(seconds=1)).is_open
        else:
            assert status.next_open_at > at
            assert pure_status(zone, schedule, status.next_open_at).is_open
            just_before = status.next_open_at - timedelta(seconds=1)
            assert not pure_status(zone, schedule, just_before).is_open
            if just_before > at:
                assert pure_status(zone, schedule, just_before).next_open_at == status.next_open_at
        at += tick


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError, match="aware"):
        team_opening_status(team=office_team(), at=datetime(2026, 6, 1, 10, 0))


def test_an_unknown_time_zone_falls_back_to_the_projects(settings, caplog):
    settings.TIME_ZONE = ISTANBUL
    team = office_team(zone="Mars/Olympus_Mons")

    assert status_at(team, ISTANBUL, "2026-06-01 10:00").is_open
    assert "unknown time zone" in caplog.text


# --- queries --------------------------------------------------------------------------------------


def test_one_team_takes_two_queries_and_none_when_prefetched(django_assert_num_queries):
    team = office_team()
    factories.special_day(team=team, date=date(2026, 6, 3))
    at = local(ISTANBUL, "2026-06-03 10:00")

    fresh = Team.objects.get(pk=team.pk)
    with django_assert_num_queries(2):
        assert not team_opening_status(team=fresh, at=at).is_open

    prefetched = Team.objects.prefetch_related(*hours.hours_prefetches(at=at)).get(pk=team.pk)
    with django_assert_num_queries(0):
        assert not team_opening_status(team=prefetched, at=at).is_open

    plain = Team.objects.prefetch_related("hours", "special_days").get(pk=team.pk)
    with django_assert_num_queries(0):
        assert not team_opening_status(team=plain, at=at).is_open


def test_many_teams_take_two_queries(django_assert_num_queries):
    for n in range(6):
        team = office_team()
        if n % 2:
            factories.special_day(team=team, date=date(2026, 6, 1))
    at = local(ISTANBUL, "2026-06-01 10:00")
    teams = list(Team.objects.all())

    with django_assert_num_queries(2):
        statuses = teams_opening_status(teams=teams, at=at)

    assert [statuses[t.pk].is_open for t in teams] == [True, False] * 3


# --- several teams: support as a whole ------------------------------------------------------------


def test_support_is_open_when_any_team_is_open():
    open_team = office_team(days=(MON,))
    closed_team = office_team(days=(TUE,))

    result = hours.support_hours(
        teams=[closed_team, open_team], at=local(ISTANBUL, "2026-06-01 10:00")
    )

    assert result.status.is_open
    assert result.status.closes_at == local(ISTANBUL, "2026-06-01 17:00")
    assert result.next_team is None
    assert result.by_team[closed_team.pk].next_open_at == local(ISTANBUL, "2026-06-02 09:00")


def test_closed_support_opens_with_the_first_team():
    later = office_team(days=(WED,))
    sooner = office_team(days=(TUE,))

    result = hours.support_hours(teams=[later, sooner], at=local(ISTANBUL, "2026-06-01 20:00"))

    assert not result.status.is_open
    assert result.status.next_open_at == local(ISTANBUL, "2026-06-02 09:00")
    assert result.next_team == sooner


def test_no_teams_means_open():
    result = hours.support_hours(teams=[], at=utc("2026-06-01 00:00"))

    assert result.status == OpeningStatus(is_open=True)


# --- messages -------------------------------------------------------------------------------------


def test_the_out_of_hours_message_is_the_teams_own_in_the_visitors_language():
    team = factories.hours_team(message_en="Back at nine.", message_tr="Dokuzda dönüyoruz.")

    assert hours.out_of_hours_message(team=team, language="en") == "Back at nine."
    assert hours.out_of_hours_message(team=team, language="tr") == "Dokuzda dönüyoruz."
    assert hours.out_of_hours_message(team=team, language="tr-TR") == "Dokuzda dönüyoruz."
    assert hours.out_of_hours_message(team=team, language="de") == "Back at nine."
    assert hours.out_of_hours_message(team=team, language=None) == "Back at nine."


def test_an_empty_message_falls_back_to_a_translated_default():
    team = factories.hours_team(message_en="Back at nine.", message_tr="  ")

    english = hours.out_of_hours_message(team=None, language="en")
    turkish = hours.out_of_hours_message(team=team, language="tr")

    assert english.startswith("We're away right now")
    with translation.override("tr"):
        assert turkish == translation.gettext(
            "We're away right now. Leave a message and we'll reply when we're back."
        )


def test_the_status_text_for_supervisors():
    team = office_team(zone=BERLIN)

    with translation.override("en"):
        open_text = hours.opening_status_text(team=team, at=local(BERLIN, "2026-06-01 10:00"))
        closed_text = hours.opening_status_text(team=team, at=local(BERLIN, "2026-06-05 18:00"))

    assert open_text == "Open now"
    assert closed_text == "Closed — opens Monday 8 June 09:00 (Europe/Berlin)"


# --- admin ----------------------------------------------------------------------------------------


def test_the_team_admin_page_shows_hours_special_days_and_the_status(admin_client):
    team = office_team(zone=BERLIN)
    factories.special_day(team=team, date=date(2026, 12, 25), name="Christmas")

    response = admin_client.get(f"/admin/support/team/{team.pk}/change/")

    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="hours-TOTAL_FORMS" value="5"' in content
    assert 'name="special_days-TOTAL_FORMS" value="1"' in content
    assert "Christmas" in content
    assert "Open now" in content or "Closed — opens" in content


def test_the_team_admin_add_page_renders(admin_client):
    response = admin_client.get("/admin/support/team/add/")

    assert response.status_code == 200
    assert 'name="hours-TOTAL_FORMS"' in response.content.decode()


def admin_form(team, **extra):
    data = {
        "name": team.name,
        "slug": team.slug,
        "time_zone": team.time_zone,
        "out_of_hours_message_en": "",
        "out_of_hours_message_tr": "",
        "hours-TOTAL_FORMS": "1",
        "hours-INITIAL_FORMS": "0",
        "hours-0-weekday": str(FRI),
        "hours-0-opens_at": "22:00",
        "hours-0-closes_at": "02:00",
        "special_days-TOTAL_FORMS": "1",
        "special_days-INITIAL_FORMS": "0",
        "special_days-0-date": "2026-12-31",
        "special_days-0-name": "New Year's Eve",
        "special_days-0-is_closed": "",
        "special_days-0-opens_at": "10:00",
        "special_days-0-closes_at": "14:00",
    }
    data.update(extra)
    return data


def test_the_team_admin_saves_hours_and_special_days(admin_client):
    team = factories.hours_team(time_zone=BERLIN)

    response = admin_client.post(f"/admin/support/team/{team.pk}/change/", admin_form(team))

    assert response.status_code == 302
    interval = BusinessHoursInterval.objects.get(team=team)
    assert (interval.weekday, interval.opens_at, interval.closes_at) == (FRI, time(22), time(2))
    special = SpecialDay.objects.get(team=team)
    assert (special.is_closed, special.opens_at, special.closes_at) == (False, time(10), time(14))


def test_the_team_admin_refuses_an_unknown_zone_and_a_special_day_without_hours(admin_client):
    team = factories.hours_team(time_zone=BERLIN)

    response = admin_client.post(
        f"/admin/support/team/{team.pk}/change/",
        admin_form(team, time_zone="Europe/Atlantis", **{"special_days-0-opens_at": ""}),
    )

    assert response.status_code == 200
    assert "Unknown time zone." in response.content.decode()
    assert response.context["adminform"].form.errors["time_zone"]
    special_days_formset = response.context["inline_admin_formsets"][1].formset
    assert special_days_formset.errors[0]  # open, but no hours
    assert not SpecialDay.objects.exists()
    assert Team.objects.get(pk=team.pk).time_zone == BERLIN


# --- the per-process copy (team_opening_status without prefetched rows) ---------------------------


def _teams_with_rows(today: date) -> list[Team]:
    """Office hours in two zones, a night shift across midnight, a holiday and a short day."""
    office = office_team()
    berlin = office_team(zone=BERLIN, opens="08:00", closes="12:00")
    night = office_team(zone=NEW_YORK, opens="22:00", closes="02:00", days=range(7))
    factories.special_day(team=office, date=today + timedelta(days=1))
    factories.special_day(
        team=berlin, date=today + timedelta(days=2), opens="10:00", closes="11:00"
    )
    return [office, berlin, night, factories.team()]


def test_the_per_process_copy_answers_as_the_database():
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    teams = _teams_with_rows(now.date())

    for team in teams:
        for hours_ahead in range(0, 24 * 5, 3):
            at = now + timedelta(hours=hours_ahead)
            # The reference: the rows as teams_opening_status prefetches them from the database.
            assert (
                team_opening_status(team=team, at=at)
                == teams_opening_status(teams=[team], at=at)[team.pk]
            ), (team.name, at)


@pytest.mark.django_db(transaction=True)
def test_the_per_process_copy_needs_no_query_and_sees_a_change_made_here_at_once(
    django_assert_num_queries,
):
    now = datetime.now(UTC)
    team = office_team(days=range(7), opens="00:00", closes="00:00")  # open around the clock
    assert team_opening_status(team=team, at=now).is_open  # loads the copy

    with django_assert_num_queries(0):
        assert team_opening_status(team=team, at=now).is_open

    factories.special_day(team=team, date=now.astimezone(ZoneInfo(ISTANBUL)).date())

    assert not team_opening_status(team=team, at=now).is_open


@pytest.mark.django_db(transaction=True)
def test_an_instant_outside_the_copy_is_answered_from_the_database():
    now = datetime.now(UTC)
    team = office_team(days=range(7), opens="00:00", closes="00:00")
    later = now + timedelta(days=60)
    factories.special_day(team=team, date=later.astimezone(ZoneInfo(ISTANBUL)).date())
    assert team_opening_status(team=team, at=now).is_open  # the copy: today's rows

    assert not team_opening_status(team=team, at=later).is_open
