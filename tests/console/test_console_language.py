"""Which language an agent's console speaks (support.languages) and the setting that picks it."""

import pytest
from django.test import Client
from django.urls import reverse

from console import realtime, timeline
from support.languages import agent_language, browser_language
from support.models import AgentProfile
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_browser_language_is_read_as_django_reads_it_for_a_page():
    assert browser_language(cookie=None, accept_language="tr-TR,tr;q=0.9,en;q=0.8") == "tr"
    assert browser_language(cookie=None, accept_language="fr-FR,tr;q=0.5") == "tr"
    assert browser_language(cookie=None, accept_language="fr-FR, *") == "en"
    assert browser_language(cookie=None, accept_language=None) == "en"
    assert browser_language(cookie="tr", accept_language="en-US") == "tr"
    assert browser_language(cookie="xx", accept_language="en-US") == "en"


def test_the_agents_choice_wins_over_the_browser():
    assert agent_language(profile=AgentProfile(language="tr"), browser="en") == "tr"
    assert agent_language(profile=AgentProfile(language=""), browser="tr") == "tr"


def signed_in(profile, **headers) -> Client:
    client = Client(**headers)
    client.force_login(profile.user)
    return client


def test_an_agent_picks_a_language_and_the_console_speaks_it():
    agent = factories.agent()
    client = signed_in(agent, HTTP_ACCEPT_LANGUAGE="en-US")
    page = client.get(reverse("console:inbox"))
    assert '<html lang="en">' in page.text
    assert 'id="language-select"' in page.text

    response = client.post(
        reverse("console:language_change"), {"language": "tr", "next": "/console/search/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/console/search/"
    agent.refresh_from_db()
    assert agent.language == "tr"
    page = client.get(reverse("console:inbox"))
    assert '<html lang="tr">' in page.text
    assert page["Content-Language"] == "tr"
    assert '<option value="tr" lang="tr" selected>Türkçe</option>' in page.text

    client.post(reverse("console:language_change"), {"language": ""})
    assert '<html lang="en">' in client.get(reverse("console:inbox")).text


def test_an_unknown_language_is_refused_and_an_outside_address_not_followed():
    agent = factories.agent()
    client = signed_in(agent)
    response = client.post(reverse("console:language_change"), {"language": "xx"})
    assert response.status_code == 400
    assert "Unknown language." in response.text
    agent.refresh_from_db()
    assert agent.language == ""

    response = client.post(
        reverse("console:language_change"),
        {"language": "tr", "next": "https://evil.example/console/"},
    )
    assert response["Location"] == reverse("console:inbox")


def test_a_supervisor_sees_and_sets_an_agents_language_in_the_admin():
    agent = factories.agent()
    admin = factories.agent(role="supervisor").user
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    client.force_login(admin)
    page = client.get(reverse("admin:support_agentprofile_change", args=[agent.pk])).text
    assert 'name="language"' in page
    assert '<link rel="icon"' in page


def test_an_anonymous_contact_is_named_in_the_consoles_language():
    """ "Visitor #12" is a text: a Turkish console says "Ziyaretçi #12" on its pages and in the
    live row, header and message it receives (each rendered in every console language)."""
    agent = factories.supervisor()
    agent.language = "tr"
    agent.save(update_fields=["language"])
    conversation = factories.conversation()
    number = conversation.contact.pk
    client = signed_in(agent)
    page = client.get(reverse("console:conversation", args=[conversation.pk]))
    assert page.text.count(f"Ziyaretçi #{number}") >= 3  # title, header, contact panel
    assert f"Visitor #{number}" not in page.text
    inbox = client.get(reverse("console:inbox"), {"view": "all"})
    assert f"Ziyaretçi #{number}" in inbox.text

    row = realtime.inbox_row_each_language(conversation)
    assert f"Ziyaretçi #{number}" in row["tr"] and f"Visitor #{number}" in row["en"]
    message = conversation.messages.first()
    live = realtime.each_language(timeline.live_message_html, message, conversation)
    assert f"Ziyaretçi #{number}" in live["tr"] and f"Visitor #{number}" in live["en"]
