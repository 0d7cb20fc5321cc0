"""The contact panel: device facts, editing name/email with its change log, the contact's
other conversations (access-checked), and "Load earlier messages"."""

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.urls import reverse

from chat import selectors as chat_selectors
from console.timeline import timeline_items
from console.views.contexts import CONVERSATION_PAGE_SIZE
from support import selectors, services
from support.device import browser_name, device_facts, language_name, screen_size
from support.models import Contact, ContactChange
from tests import factories
from tests.factories import logged_in

pytestmark = pytest.mark.django_db

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36"
)
MAC_SAFARI = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.2 Safari/605.1.15"
)
WINDOWS_EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.61"
)


def edit_url(conversation) -> str:
    return reverse("console:contact_edit", args=[conversation.pk])


# Device facts


@pytest.mark.parametrize(
    ("user_agent", "browser"),
    [(ANDROID_CHROME, "Chrome 120"), (MAC_SAFARI, "Safari 17"), (WINDOWS_EDGE, "Edge 120")],
)
def test_browser_name_from_user_agent(user_agent, browser):
    assert browser_name(user_agent) == browser


def test_device_facts_are_readable():
    facts = device_facts(
        {
            "platform": "web",
            "screen": "1080x2400",
            "locale": "tr-TR",
            "timezone": "Europe/Istanbul",
            "url": "https://shop.example.com/cart",
            "user_agent": ANDROID_CHROME,
        }
    )
    assert dict(facts.facts) == {
        "Platform": "Web browser",
        "Operating system": "Android 14",
        "Browser": "Chrome 120",
        "Screen": "1080 × 2400",
        "Language": "Turkish (TR)",
        "Time zone": "Europe/Istanbul",
    }
    assert facts.url_is_link is True


def test_device_facts_never_link_other_schemes_and_keep_unknown_values():
    facts = device_facts({"url": "javascript:alert(1)", "locale": "xx-YY", "screen": "big"})
    assert facts.url_is_link is False
    assert dict(facts.facts) == {"Screen": "big", "Language": "xx-YY"}
    assert screen_size("390 x 844") == "390 × 844"
    assert language_name("en") == "English"
    assert device_facts(None).facts == []


def test_panel_shows_parsed_device_and_a_safe_last_page_link():
    agent = factories.supervisor()
    contact, _token = factories.visitor(
        device={"url": "javascript:alert(1)", "user_agent": MAC_SAFARI, "screen": "1440x900"}
    )
    conversation = factories.conversation(contact=contact)
    html = logged_in(agent).get(reverse("console:conversation", args=[conversation.pk])).content
    html = html.decode()
    assert "<dd>Safari 17</dd>" in html and "<dd>macOS 10.15.7</dd>" in html
    assert "<dd>1440 × 900</dd>" in html
    assert 'href="javascript:' not in html


# Editing the contact


def test_contact_update_logs_each_changed_field_and_refreshes_search_words():
    agent = factories.agent()
    contact, _token = factories.visitor(contact_data={"name": "ayse", "email": "a@example.com"})
    updated = services.contact_update(
        contact=contact, by_user=agent.user, name="  Ayşe   Yılmaz ", email="a@example.com"
    )
    assert updated.name == "Ayşe Yılmaz"
    changes = list(ContactChange.objects.filter(contact=contact))
    assert [(c.field, c.old_value, c.new_value, c.changed_by) for c in changes] == [
        ("name", "ayse", "Ayşe Yılmaz", agent.user)
    ]
    assert Contact.objects.get(pk=contact.pk).search_text == " ayse yilmaz a example com"
    # Saving the same values again logs nothing.
    services.contact_update(
        contact=updated, by_user=agent.user, name="Ayşe Yılmaz", email="a@example.com"
    )
    assert ContactChange.objects.filter(contact=contact).count() == 1


@pytest.mark.parametrize(
    ("name", "email", "field"),
    [("x" * 192, "", "name"), ("Ali", "not-an-email", "email"), (None, "", "name")],
)
def test_contact_update_rejects_bad_values_and_changes_nothing(name, email, field):
    agent = factories.agent()
    contact, _token = factories.visitor(contact_data={"name": "Ali", "email": "ali@example.com"})
    with pytest.raises(ValidationError) as raised:
        services.contact_update(contact=contact, by_user=agent.user, name=name, email=email)
    assert field in raised.value.message_dict
    assert Contact.objects.get(pk=contact.pk).email == "ali@example.com"
    assert not ContactChange.objects.exists()


def test_agent_edits_contact_over_htmx_and_sees_the_change_log():
    agent = factories.agent(display_name="Deniz")
    conversation = factories.conversation()
    client = logged_in(agent)
    form = client.get(edit_url(conversation), {"edit": "1"}, HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and 'name="email"' in form.content.decode()
    # Cancel swaps the panel's view back in (the shared side panel form buttons).
    cancel = f'hx-get="{edit_url(conversation)}" hx-target="#contact-details"'
    assert cancel in form.content.decode()

    response = client.post(
        edit_url(conversation),
        {"name": "Mehmet Öz", "email": "mehmet@example.com"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="contact-name">Mehmet Öz<' in html
    assert "Deniz changed Name" in html and "“Mehmet Öz”" in html
    assert "Deniz changed Email" in html
    # Shown on the page and in the admin too.
    page = client.get(reverse("console:conversation", args=[conversation.pk])).content.decode()
    assert "Deniz changed Email: “—” → “mehmet@example.com”" in page
    assert ContactChange in site._registry


def test_bad_email_is_answered_with_the_form_and_a_clear_error():
    agent = factories.agent()
    conversation = factories.conversation()
    client = logged_in(agent)
    response = client.post(
        edit_url(conversation), {"name": "Can", "email": "can@"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid email address" in html and 'aria-invalid="true"' in html
    assert 'value="can@"' in html  # what they typed is kept
    # Without htmx: the page again, with the error, status 400.
    response = client.post(edit_url(conversation), {"name": "Can", "email": "can@"})
    assert response.status_code == 400
    assert "Enter a valid email address" in response.content.decode()
    assert not ContactChange.objects.exists()


def test_contact_edit_is_access_checked():
    mine, other = factories.team(), factories.team()
    agent = factories.agent(teams=[mine])
    topic = factories.topic(team=other)
    conversation = factories.conversation(topic_slug=topic.slug)
    response = logged_in(agent).post(
        edit_url(conversation), {"name": "Hacked", "email": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 404
    assert Contact.objects.get(pk=conversation.contact_id).name != "Hacked"


def test_panel_lists_only_the_contacts_conversations_the_agent_may_see():
    mine, other = factories.team(), factories.team()
    agent = factories.agent(teams=[mine])
    contact, _token = factories.visitor()
    seen = factories.conversation(contact=contact, topic_slug=factories.topic(team=mine).slug)
    hidden = factories.conversation(contact=contact, topic_slug=factories.topic(team=other).slug)
    listed = selectors.conversation_list_for_contact_panel(profile=agent, contact=contact)
    assert [c.pk for c in listed] == [seen.pk]
    html = logged_in(agent).get(reverse("console:conversation", args=[seen.pk])).content.decode()
    assert f'href="/console/conversations/{seen.pk}/"' in html
    assert f'href="/console/conversations/{hidden.pk}/"' not in html


# Load earlier messages


def test_message_pages_walk_back_by_id_without_duplicates():
    conversation = factories.conversation(body="m0")
    for n in range(1, 12):
        factories.message(conversation=conversation, body=f"m{n}")
    seen, before, has_earlier = [], None, True
    while has_earlier:
        page, has_earlier = chat_selectors.message_objects_page(
            conversation=conversation, before=before, limit=5
        )
        seen = [m.body for m in page] + seen
        before = page[0].pk
    assert seen == [f"m{n}" for n in range(12)]


def test_a_page_names_its_agents_without_a_query_per_message(django_assert_max_num_queries):
    agent = factories.agent(display_name="Deniz")
    former = factories.agent(username="gone")
    conversation = factories.conversation()
    for n in range(6):
        sender = (agent, former)[n % 2]
        factories.message(conversation=conversation, sender_type="agent", agent_user=sender.user)
    former.delete()  # a former agent: the user stays, without an agent profile
    conversation = selectors.conversation_get_for_inbox_row(conversation_id=conversation.pk)

    # The page; the agents (the per-process copy, read again inside a test's transaction);
    # the former agent, who is not among them.
    with django_assert_max_num_queries(3):
        page, _has_earlier = chat_selectors.message_objects_page(
            conversation=conversation, before=None, limit=50
        )
        items = timeline_items(page, conversation)

    assert [item["sender_name"] for item in items[1:]] == ["Deniz", "gone"] * 3


def test_earlier_messages_view_returns_the_previous_page_and_the_next_button(
    django_assert_max_num_queries,
):
    agent = factories.supervisor()
    conversation = factories.conversation(body="first")
    for n in range(CONVERSATION_PAGE_SIZE + 5):
        factories.message(conversation=conversation, body=f"visitor {n}")
    client = logged_in(agent)
    page = client.get(reverse("console:conversation", args=[conversation.pk]))
    newest = page.context["thread_messages"]
    assert page.context["has_earlier"] and 'id="load-earlier"' in page.content.decode()

    url = reverse("console:conversation_messages_earlier", args=[conversation.pk])
    # +2: the conversation's labels (its access-checked lookup) and the internal notes
    # written in the same stretch of time.
    with django_assert_max_num_queries(8):
        response = client.get(url, {"before": newest[0].pk}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert [m.pk for m in response.context["thread_messages"]] == sorted(
        m.pk for m in conversation.messages.filter(pk__lt=newest[0].pk)
    )
    assert "first" in html and 'hx-swap-oob="true"' in html
    assert 'id="load-earlier"' not in html  # nothing older: the button goes away
    assert client.get(url, {"before": "x"}).status_code == 400


def test_earlier_messages_are_access_checked():
    mine, other = factories.team(), factories.team()
    agent = factories.agent(teams=[mine])
    conversation = factories.conversation(topic_slug=factories.topic(team=other).slug)
    url = reverse("console:conversation_messages_earlier", args=[conversation.pk])
    assert logged_in(agent).get(url, {"before": 10**9}).status_code == 404
