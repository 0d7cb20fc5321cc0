"""The report page and its CSV downloads: permissions, tables = CSV, bounded queries."""

import csv
import io
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from console.report_tables import TABLE_NAMES
from tests.support.conftest import NOW

pytestmark = pytest.mark.django_db

RANGE = {"start": "2026-11-02", "end": "2026-11-08"}
URL = "/console/reports/"


@pytest.fixture(autouse=True)
def _frozen_now(monkeypatch):
    # SLA "not yet due" depends on now: keep the fixture's figures stable.
    monkeypatch.setattr(timezone, "now", lambda: NOW)


class TableParser(HTMLParser):
    """Collects every report table's rows as the `data-value` of each cell."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current = None
        self.svgs: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self.current = self.tables.setdefault(attrs["data-table"], [])
        elif tag == "tr" and self.current is not None:
            self.current.append([])
        elif tag in ("td", "th") and self.current is not None and "data-value" in attrs:
            self.current[-1].append(attrs["data-value"])
        elif tag == "svg" and attrs.get("role") == "img":
            self.svgs.append(attrs)

    def handle_endtag(self, tag):
        if tag == "table":
            self.current = None


def parse(response) -> TableParser:
    parser = TableParser()
    parser.feed(response.content.decode())
    for name, rows in parser.tables.items():
        parser.tables[name] = [row for row in rows if row]  # header and "empty" rows
    return parser


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_supervisor_sees_charts_and_every_table(client, week):
    client.force_login(week["sue"].user)
    response = client.get(URL, RANGE)
    assert response.status_code == 200
    page = parse(response)
    assert {svg["id"] for svg in page.svgs} == {"chart-activity", "chart-heatmap", "chart-csat"}
    assert set(page.tables) == set(TABLE_NAMES) - {"heatmap"}  # the heat map is a chart
    assert page.tables["times"][0] == ["first_response", "5", "90", "252"]
    assert page.tables["agents"] == [
        ["Alice", "3", "2", "120", "4", "2"],
        ["Bob", "3", "2", "90", "1", "1"],
    ]
    content = response.content.decode()
    assert "days and hours in Europe/Istanbul" in content
    assert 'id="nav-reports"' in content and ">Reports<" in content


@pytest.mark.parametrize("name", [name for name in TABLE_NAMES if name != "heatmap"])
def test_csv_matches_the_table(client, week, name):
    client.force_login(week["sue"].user)
    page = parse(client.get(URL, {**RANGE, "clock": "wall"}))
    response = client.get(f"/console/reports/{name}.csv", {**RANGE, "clock": "wall"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="destek-{name}-2026-11-02-2026-11-08.csv"'
    )
    rows = csv_rows(response)
    assert rows[1:] == page.tables[name]
    assert len(rows[0]) == len(rows[1]) if len(rows) > 1 else True


def test_heatmap_csv_has_every_hour_of_the_week(client, week):
    client.force_login(week["sue"].user)
    rows = csv_rows(client.get("/console/reports/heatmap.csv", RANGE))
    assert rows[0] == ["Weekday", "Hour", "Started"]
    assert len(rows) == 1 + 7 * 24
    assert ["1", "10", "2"] in rows  # Monday 10:00 local: c1 and c2
    assert ["7", "23", "1"] in rows  # Sunday 23:30 local (20:30 UTC): c6


def test_agent_sees_only_own_figures(client, week):
    client.force_login(week["alice"].user)
    response = client.get(URL, {**RANGE, "agent": week["bob"].pk, "team": week["team_b"].pk})
    assert response.status_code == 200
    page = parse(response)
    # The agent filter is not even offered; Bob's team chosen shows none of Alice's chats.
    assert 'name="agent"' not in response.content.decode()
    assert page.tables["agents"] == []
    response = client.get(URL, RANGE)
    page = parse(response)
    assert [row[0] for row in page.tables["agents"]] == ["Alice"]
    assert "faq" not in page.tables
    assert ">My figures<" in response.content.decode()
    rows = csv_rows(client.get("/console/reports/agents.csv", {**RANGE, "agent": week["bob"].pk}))
    assert [row[0] for row in rows[1:]] == ["Alice"]
    comments = csv_rows(client.get("/console/reports/comments.csv", RANGE))
    assert [row[2] for row in comments[1:]] == ["Great"]  # not Bob's "Slow"
    assert client.get("/console/reports/faq.csv", RANGE).status_code == 404


def test_supervisor_filters_by_agent(client, week):
    client.force_login(week["sue"].user)
    page = parse(client.get(URL, {**RANGE, "agent": week["bob"].pk}))
    assert [row[0] for row in page.tables["agents"]] == ["Bob"]


def test_not_an_agent_or_anonymous(client, week):
    assert client.get(URL).status_code == 302
    assert client.get("/console/reports/agents.csv").status_code == 302
    user = get_user_model().objects.create_user(username="someone", password="pw-12345-x")
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.get("/console/reports/agents.csv").status_code == 403


def test_bad_input_is_a_clear_error(client, week):
    client.force_login(week["sue"].user)
    response = client.get(URL, {"start": "2026-11-08", "end": "2026-11-01"})
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()
    response = client.get(URL, {"start": "yesterday"})
    assert response.status_code == 400
    assert 'id="report-errors"' in response.content.decode()
    response = client.get(URL, {"start": "2024-01-01", "end": "2026-01-01"})
    assert response.status_code == 400
    csv_response = client.get("/console/reports/agents.csv", {"team": "999999"})
    assert csv_response.status_code == 400
    assert client.get("/console/reports/nope.csv").status_code == 404


def test_page_query_count_is_bounded(client, week, django_assert_max_num_queries):
    client.force_login(week["sue"].user)
    client.get(URL, RANGE)  # warm caches (content types, sessions)
    # Session, user, profile, the form's three choice lists, and the report's nine queries.
    with django_assert_max_num_queries(16):
        response = client.get(URL, {**RANGE, "team": week["team_a"].pk})
    assert response.status_code == 200


def test_default_range_without_parameters(client, week):
    client.force_login(week["sue"].user)
    response = client.get(URL)
    assert response.status_code == 200
    # NOW is 20 Nov 2026: the last 30 days are 22 Oct – 20 Nov.
    content = response.content.decode()
    assert "22 Oct 2026 – 20 Nov 2026" in content
    assert 'name="start" value="2026-10-22"' in content
    assert 'name="end" value="2026-11-20"' in content
    assert reverse("console:reports") == URL


def test_report_page_in_turkish(client, week):
    client.force_login(week["sue"].user)
    client.cookies["django_language"] = "tr"
    response = client.get(URL, RANGE)
    content = response.content.decode()
    assert ">Raporlar<" in content
    assert "Günlere göre konuşmalar" in content
    assert "1 dk 30 sn" in content  # the median first response, 90 s
    page = parse(response)
    assert page.tables["times"][0] == ["first_response", "5", "90", "252"]
