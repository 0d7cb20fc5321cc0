"""Console search: selectors (matching, Turkish folding, access, filters, paging), snippets
and the search page. Runs on SQLite (LIKE) and on PostgreSQL (tsvector + GIN) alike."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from support import search, selectors, services
from support.models import Contact, Message
from support.text import search_words
from tests import factories
from tests.factories import logged_in

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"


def routed(team, *, body, name="", email=""):
    topic = factories.topic(team=team)
    contact, _token = factories.visitor(contact_data={"name": name, "email": email})
    return factories.conversation(contact=contact, body=body, topic_slug=topic.slug)


def bodies(page) -> list[str]:
    return [hit.message.body for hit in page.hits]


def test_search_words_fold_turkish():
    assert search_words("İADE ŞİFREMİ unuttum!", "Işık") == " iade sifremi unuttum isik"
    assert search_words("") == ""


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("iade", "İADE istiyorum"),
        ("İade", "iade istiyorum"),
        ("IADE", "ıade istiyorum"),
        ("sifre", "Şifremi unuttum"),
        ("şifremi", "sifre sıfırlama"),  # the query's stem ("sifre") finds the shorter word
        ("çağrı", "CAGRI merkezi"),
        ("ödeme", "Odeme alınmadı"),
    ],
)
def test_message_search_folds_turkish_case_and_diacritics(query, body):
    agent = factories.supervisor()
    conversation = factories.conversation(body=body)
    page = selectors.message_search(profile=agent, query=query)
    assert [hit.message.conversation_id for hit in page.hits] == [conversation.pk]


def test_every_term_must_match_as_a_word_prefix():
    agent = factories.supervisor()
    factories.conversation(body="kargo gecikti")
    both = factories.conversation(body="kargo iade edildi")
    factories.conversation(body="sipariskargo")  # not at a word start
    page = selectors.message_search(profile=agent, query="kargo iade")
    assert [hit.conversation.pk for hit in page.hits] == [both.pk]
    assert len(selectors.message_search(profile=agent, query="kargo").hits) == 2


def test_empty_or_stopword_free_query_finds_nothing():
    agent = factories.supervisor()
    factories.conversation(body="hello")
    assert selectors.message_search(profile=agent, query="   ").hits == []
    assert selectors.message_search(profile=agent, query="!!! ?").hits == []


def test_agents_find_only_conversations_they_may_see():
    mine, other = factories.team(), factories.team()
    agent = factories.agent(teams=[mine])
    own_team = routed(mine, body="fatura sorunu")
    other_team = routed(other, body="fatura sorunu")
    assigned = routed(other, body="fatura sorunu")
    services.conversation_assign(conversation=assigned, to_user=agent.user, by_user=agent.user)
    unrouted = factories.conversation(body="fatura sorunu")

    found = {
        hit.conversation.pk for hit in selectors.message_search(profile=agent, query="fatura").hits
    }
    assert found == {own_team.pk, assigned.pk, unrouted.pk}
    assert other_team.pk not in found

    boss = factories.supervisor()
    found = {
        hit.conversation.pk for hit in selectors.message_search(profile=boss, query="fatura").hits
    }
    assert found == {own_team.pk, other_team.pk, assigned.pk, unrouted.pk}


def test_filters_status_team_topic_assignee_and_dates():
    team_a, team_b = factories.team(), factories.team()
    boss = factories.supervisor()
    a = routed(team_a, body="teslimat")
    b = routed(team_b, body="teslimat")
    services.conversation_assign(conversation=b, to_user=boss.user, by_user=boss.user)
    services.conversation_resolve(conversation=b, agent=boss.user)

    def found(**filters):
        page = selectors.message_search(
            profile=boss, query="teslimat", filters=selectors.SearchFilters(**filters)
        )
        return {hit.conversation.pk for hit in page.hits}

    assert found() == {a.pk, b.pk}
    assert found(status="resolved") == {b.pk}
    assert found(team_id=team_a.pk) == {a.pk}
    assert found(topic=a.topic.slug) == {a.pk}
    assert found(assignee=boss.user.pk) == {b.pk}
    assert found(assignee=selectors.UNASSIGNED) == {a.pk}
    now = timezone.now()
    Message.objects.filter(conversation=a).update(created_at=now - timedelta(days=10))
    assert found(since=now - timedelta(days=1)) == {b.pk}
    assert found(until=now - timedelta(days=5)) == {a.pk}


def test_pages_newest_first_by_id_cursor_without_duplicates():
    boss = factories.supervisor()
    conversation = factories.conversation(body="stok 0")
    for n in range(1, 6):
        factories.message(conversation=conversation, body=f"stok {n}")
    first = selectors.message_search(profile=boss, query="stok", limit=4)
    assert bodies(first) == ["stok 5", "stok 4", "stok 3", "stok 2"]
    second = selectors.message_search(profile=boss, query="stok", limit=4, before=first.next_before)
    assert bodies(second) == ["stok 1", "stok 0"]
    assert second.next_before is None


def test_highlight_escapes_markup_and_marks_matches():
    terms = search.query_terms("script şifre")
    snippet = search.highlight(f"Şifre {XSS} & <b>x</b>", terms)
    assert "<script>" not in snippet and "<b>" not in snippet
    assert snippet.startswith("<mark>Şifre</mark> &lt;<mark>script</mark>&gt;")
    assert "&amp; &lt;b&gt;x&lt;/b&gt;" in snippet


def test_highlight_centres_a_late_match():
    terms = search.query_terms("iade")
    text = " ".join(["kelime"] * 60) + " İade lütfen " + " ".join(["son"] * 60)
    snippet = search.highlight(text, terms, length=120)
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>İade</mark>" in snippet


def test_contact_search_by_name_email_and_access():
    mine, other = factories.team(), factories.team()
    agent = factories.agent(teams=[mine])
    visible = routed(mine, body="merhaba", name="Ayşe Yılmaz", email="ayse@example.com")
    routed(other, body="merhaba", name="Ayşe Kaya", email="kaya@example.com")

    found = selectors.contact_search(profile=agent, query="ayse")
    assert [c.pk for c in found] == [visible.contact_id]
    assert found[0].latest_conversation_id == visible.pk
    assert found[0].conversation_count == 1
    assert "<mark>Ayşe</mark>" in found[0].snippet
    assert [c.pk for c in selectors.contact_search(profile=agent, query="YILMAZ")] == [
        visible.contact_id
    ]
    assert [c.pk for c in selectors.contact_search(profile=agent, query="example.com")] == [
        visible.contact_id
    ]
    assert len(selectors.contact_search(profile=factories.supervisor(), query="ayşe")) == 2


def test_session_keeps_contact_search_text():
    widget = factories.widget()
    contact, _token = factories.visitor(
        widget_obj=widget, contact_data={"name": "Çağla Öz", "email": "cagla@ornek.com.tr"}
    )
    assert Contact.objects.get(pk=contact.pk).search_text == " cagla oz cagla ornek com tr"


def test_conversation_number_search_is_access_checked():
    mine, other = factories.team(), factories.team()
    agent = factories.agent(teams=[mine])
    own = routed(mine, body="x")
    hidden = routed(other, body="x")
    assert selectors.conversation_search_by_number(profile=agent, query=f"#{own.pk}") == own
    assert selectors.conversation_search_by_number(profile=agent, query=str(hidden.pk)) is None
    assert selectors.conversation_search_by_number(profile=agent, query="abc") is None


# The page


def search_page(client, **params):
    return client.get(reverse("console:search"), params)


def test_search_page_shows_highlighted_escaped_snippets_and_contacts():
    agent = factories.supervisor()
    conversation = factories.conversation(body=f"İade {XSS}")
    factories.visitor(contact_data={"name": "İade Bey"})
    response = search_page(logged_in(agent), q="iade script")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html
    assert "<mark>İade</mark> &lt;<mark>script</mark>&gt;alert(1)&lt;/" in html
    assert f'href="/console/conversations/{conversation.pk}/#message-' in html


def test_search_page_bad_dates_are_form_errors_not_crashes():
    agent = factories.supervisor()
    response = search_page(logged_in(agent), q="x", since="2026-13-40")
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()
    response = search_page(logged_in(agent), q="x", since="2026-05-02", until="2026-05-01")
    assert "The end date is before the start date." in response.content.decode()


def test_search_page_needs_an_agent():
    response = Client().get(reverse("console:search"), {"q": "x"})
    assert response.status_code == 302
    assert "/console/login/" in response["Location"]


def test_search_page_hides_other_teams_conversations():
    mine, other = factories.team(), factories.team()
    agent = factories.agent(teams=[mine])
    routed(other, body="gizli mesaj")
    html = search_page(logged_in(agent), q="gizli").content.decode()
    assert "gizli" not in html.split('id="search-results"')[1].replace("“gizli”", "")


def test_search_page_query_count_is_flat(django_assert_max_num_queries):
    agent = factories.supervisor()
    for n in range(25):
        contact, _token = factories.visitor(contact_data={"name": f"Kargo Müşteri {n}"})
        conversation = factories.conversation(contact=contact, body=f"kargo {n}")
        factories.message(
            conversation=conversation,
            sender_type="agent",
            body="kargo yolda",
            agent_user=agent.user,
        )
    client = logged_in(agent)
    # session + user + agent profile, filter choices (teams, topics, agents), messages,
    # contacts, and no per-row queries.
    with django_assert_max_num_queries(9):
        response = search_page(client, q="kargo")
    assert response.status_code == 200
    assert response.content.decode().count('class="result result-message"') == 20
    assert 'rel="next"' in response.content.decode()
