"""How the console writes numbers, dates and names in each language (issue 22, item 14)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from console import report_tables
from support.languages import format_percent
from support.models import Conversation
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "expected"), [("en", ["42.9%", "0.0%", "67%"]), ("tr", ["%42,9", "%0,0", "%67"])]
)
def test_a_percentage_is_written_one_way_per_language(language, expected):
    template = Template(
        "{% load console %}{{ value|percent }}|{{ none|percent }}|{{ 66.6|percent:0 }}"
    )
    with translation.override(language):
        assert format_percent(42.857) == expected[0]
        assert report_tables.percent(0.0).text == expected[1]
        assert report_tables.percent(None).text == "—"
        rendered = template.render(Context({"value": 42.857, "none": None}))
    assert rendered == f"{expected[0]}||{expected[2]}"


@pytest.mark.parametrize(
    ("language", "date", "date_time"),
    [("en", "8 Dec 2026", "8 Dec 2026, 8:58 a.m."), ("tr", "8 Ara 2026", "8 Ara 2026 08:58")],
)
def test_short_dates_spell_the_month(language, date, date_time):
    moment = datetime(2026, 12, 8, 8, 58, tzinfo=UTC)
    with translation.override(language):
        assert date_format(moment, "SHORT_DATE_FORMAT") == date
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == date_time


def test_the_turkish_conversation_header_names_the_assignee_and_an_unambiguous_date():
    agent = factories.agent(display_name="Ayşe Demir", role="supervisor")
    conversation = factories.conversation()
    Conversation.objects.filter(pk=conversation.pk).update(
        assignee=agent.user,
        status=Conversation.Status.OPEN,
        first_response_at=datetime(2026, 12, 1, tzinfo=UTC),
        resolution_due_at=datetime(2026, 12, 8, 12, 0, tzinfo=UTC) + timedelta(days=365),
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="tr")
    client.force_login(agent.user)
    page = client.get(reverse("console:conversation", args=[conversation.pk])).text
    assert "Atanan: Ayşe Demir" in page
    assert "8 Ara 2027" in page  # "Çözüm son tarihi 8 Ara 2027 …", never "08/12/2027"
    assert "tiklerim" not in page  # a supervisor's rail says "Raporlar"

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(agent.user)
    page = client.get(reverse("console:conversation", args=[conversation.pk])).text
    assert "Assigned to Ayşe Demir" in page
    assert "8 Dec 2027" in page
    assert "12/08/2027" not in page


def test_an_agents_own_figures_are_istatistiklerim_in_turkish():
    agent = factories.agent()
    client = Client(HTTP_ACCEPT_LANGUAGE="tr")
    client.force_login(agent.user)
    page = client.get(reverse("console:inbox")).text
    # The rail's label may wrap at its soft hyphen (the rail is ~8 letters wide).
    assert "<span>İstatis\u00adtiklerim</span>" in page
    assert "Rakamlarım" not in page
    page = client.get(reverse("console:reports")).text
    assert "<h1>İstatistiklerim</h1>" in page
