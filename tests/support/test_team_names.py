"""A team's name in each reader's language, as a topic's is (issue 22 follow-up): the console
in the agent's, what a visitor reads in theirs; a team without a Turkish name keeps its own."""

import html

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from support import canned, services
from support.models import Conversation, Team
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    # A Turkish request leaves Turkish active in this thread: later tests expect English.
    translation.activate("en")


@pytest.fixture
def general():
    return Team.objects.create(name="General support", name_tr="Genel destek", slug="general")


def test_a_team_is_named_in_the_asked_language_else_by_its_own_name(general):
    assert general.name_for("tr") == "Genel destek"
    assert general.name_for("tr-TR") == "Genel destek"
    assert general.name_for("en") == "General support"
    untranslated = Team(name="Payments", slug="payments")
    assert untranslated.name_for("tr") == "Payments"
    with translation.override("tr"):
        assert general.local_name == "Genel destek"
        assert untranslated.local_name == "Payments"


def page(profile, url: str) -> str:
    client = Client()
    client.force_login(profile.user)
    return html.unescape(client.get(url).text)


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [("tr", "Genel destek", "General support"), ("en", "General support", "Genel destek")],
)
def test_the_console_names_teams_in_the_agents_language(general, language, shown, hidden):
    supervisor = factories.supervisor(teams=[general])
    supervisor.language = language
    supervisor.save(update_fields=["language"])
    topic = factories.topic(slug="order", name_en="Order & delivery", name_tr="Sipariş ve teslimat")
    conversation = factories.conversation()
    Conversation.objects.filter(pk=conversation.pk).update(team=general)

    conversation_page = page(supervisor, reverse("console:conversation", args=[conversation.pk]))
    assert f'id="conversation-team">{shown}</span>' in conversation_page  # the header's pill
    assert f'<option value="team:{general.pk}">{shown}</option>' in conversation_page  # Move to
    search_page = page(supervisor, reverse("console:search") + "?q=help")
    assert f'<option value="{general.pk}">{shown}</option>' in search_page  # the team filter
    assert f" · {shown}</span>" in search_page  # a hit's line
    reports_page = page(supervisor, reverse("console:reports"))
    assert f'<option value="{general.pk}">{shown}</option>' in reports_page
    # The report's topic filter too (it printed the English name in every language).
    topic_name = topic.name_for(language)
    assert f'<option value="{topic.pk}">{topic_name}</option>' in reports_page
    for text in (conversation_page, search_page, reports_page):
        assert hidden not in text


def test_a_turkish_visitor_reads_the_teams_turkish_name(general):
    supervisor = factories.supervisor(teams=[general])
    contact, _token = factories.visitor(locale="tr")
    conversation = factories.conversation(contact=contact)

    services.conversation_transfer(
        conversation=conversation, by_user=supervisor.user, team_id=general.pk
    )
    system = conversation.messages.filter(sender_type="system").latest("pk")
    assert "Genel destek" in system.body
    conversation.refresh_from_db()
    variables = canned.variables_for(conversation=conversation, agent_profile=supervisor)
    assert variables["team.name"] == "Genel destek"
