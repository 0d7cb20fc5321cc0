"""The console's contacts: the list (search, filters, pages, access, query count), a
contact's page with every conversation, the supervisor's merge, and the contact panel's
custom attributes (shown, edited, validated) and the inbox's attribute filter."""

import pytest
from django.urls import reverse

from support import services
from support.models import AttributeDefinition, AuditEvent, Contact, Conversation
from tests import factories
from tests.factories import logged_in

pytestmark = pytest.mark.django_db


def tier_definition():
    return AttributeDefinition.objects.create(
        scope="contact",
        key="tier",
        label_en="Loyalty tier",
        label_tr="Sadakat seviyesi",
        type="list",
        options=["gold", "silver"],
    )


def contacts_with_conversations(count, *, widget=None, team=None):
    widget = widget or factories.widget()
    topic = factories.topic(team=team) if team else None
    contacts = []
    for n in range(count):
        contact, _ = factories.visitor(
            widget_obj=widget, contact_data={"name": f"Guest {n}", "email": f"g{n}@example.com"}
        )
        factories.conversation(contact=contact, topic_slug=topic.slug if topic else None)
        contacts.append(contact)
    return contacts


def listed_ids(response) -> list[int]:
    return [contact.pk for contact in response.context["result"].contacts]


@pytest.mark.django_db(transaction=True)
def test_the_contact_list_is_one_query_whatever_the_page_size(django_assert_max_num_queries):
    supervisor = factories.supervisor()
    contacts_with_conversations(5)
    client = logged_in(supervisor)
    client.get(reverse("console:contacts"))  # the process caches warm
    # session, user, profile, the page of contacts (with counts and widget)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("console:contacts"))
    assert len(listed_ids(response)) == 5
    contacts_with_conversations(30)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("console:contacts"))
    assert len(listed_ids(response)) == 25 and response.context["result"].has_next
    second = client.get(reverse("console:contacts"), {"page": 2})
    assert len(listed_ids(second)) == 10 and not second.context["result"].has_next
    assert not set(listed_ids(response)) & set(listed_ids(second))


def test_search_and_filters_find_contacts():
    tier_definition()
    supervisor = factories.supervisor()
    widget = factories.widget()
    gold, _ = factories.visitor(
        widget_obj=widget,
        external_id="u-1",
        contact_data={"name": "Zeynep Ak", "attributes": {"tier": "gold"}},
    )
    factories.conversation(contact=gold)
    other = contacts_with_conversations(2, widget=widget)
    client = logged_in(supervisor)
    url = reverse("console:contacts")
    assert listed_ids(client.get(url, {"q": "zeynep"})) == [gold.pk]
    assert listed_ids(client.get(url, {"identified": "yes"})) == [gold.pk]
    assert set(listed_ids(client.get(url, {"identified": "no"}))) == {c.pk for c in other}
    attr = AttributeDefinition.objects.get(key="tier").pk
    assert listed_ids(client.get(url, {"attr": attr, "attr_value": "gold"})) == [gold.pk]
    response = client.get(url, {"q": "nobody-like-this"})
    assert "No contacts match these filters." in response.content.decode()
    # nonsense parameters are ignored, not errors
    assert client.get(url, {"page": "x", "attr": "999999", "identified": "?"}).status_code == 200


def test_an_agent_lists_and_opens_only_contacts_of_conversations_they_may_see():
    billing, kitchen = factories.team(), factories.team()
    mine = contacts_with_conversations(1, team=billing)[0]
    hidden = contacts_with_conversations(1, team=kitchen)[0]
    agent = factories.agent(teams=[billing])
    client = logged_in(agent)
    assert listed_ids(client.get(reverse("console:contacts"))) == [mine.pk]
    assert client.get(reverse("console:contact", args=[mine.pk])).status_code == 200
    assert client.get(reverse("console:contact", args=[hidden.pk])).status_code == 404


def test_the_contact_page_lists_every_conversation_across_channels():
    supervisor = factories.supervisor()
    contact = contacts_with_conversations(1)[0]
    second = factories.conversation(contact=contact)
    Conversation.objects.filter(pk=second.pk).update(channel="whatsapp")
    response = logged_in(supervisor).get(reverse("console:contact", args=[contact.pk]))
    html = response.content.decode()
    assert [c.pk for c in response.context["timeline"]] == sorted(
        contact.conversations.values_list("pk", flat=True), reverse=True
    )
    assert "WhatsApp" in html and "Chat widget" in html


def test_a_supervisor_merges_from_the_contact_page_and_an_agent_may_not():
    widget = factories.widget()
    keep, duplicate = contacts_with_conversations(2, widget=widget)
    agent = factories.agent()
    response = logged_in(agent).post(
        reverse("console:contact_merge", args=[keep.pk]), {"source": duplicate.pk, "confirm": "yes"}
    )
    assert response.status_code == 403
    assert Contact.objects.filter(pk=duplicate.pk).exists()

    client = logged_in(factories.supervisor())
    page = client.get(reverse("console:contact", args=[keep.pk]), {"merge_q": "g1@example.com"})
    assert [c.pk for c in page.context["merge_candidates"]] == [duplicate.pk]
    unconfirmed = client.post(
        reverse("console:contact_merge", args=[keep.pk]), {"source": duplicate.pk}
    )
    assert unconfirmed.status_code == 400
    assert "Tick the box" in unconfirmed.content.decode()
    assert Contact.objects.filter(pk=duplicate.pk).exists()

    response = client.post(
        reverse("console:contact_merge", args=[keep.pk]), {"source": duplicate.pk, "confirm": "yes"}
    )
    assert response.status_code == 302
    assert not Contact.objects.filter(pk=duplicate.pk).exists()
    assert Conversation.objects.filter(contact=keep).count() == 2
    assert AuditEvent.objects.filter(action="contact.merged", contact_ref=keep.pk).exists()


def test_the_panel_shows_and_edits_custom_attributes_and_refuses_bad_values():
    tier_definition()
    AttributeDefinition.objects.create(
        scope="conversation",
        key="order_total",
        label_en="Order total",
        label_tr="Sipariş tutarı",
        type="number",
    )
    agent = factories.agent()
    conversation = factories.conversation()
    client = logged_in(agent)
    page = client.get(reverse("console:conversation", args=[conversation.pk])).content.decode()
    assert "Loyalty tier" in page and "Order total" in page
    url = reverse("console:conversation_attributes", args=[conversation.pk])
    bad = client.post(
        url, {"contact-tier": "gold", "conversation-order_total": "lots"}, HTTP_HX_REQUEST="true"
    )
    html = bad.content.decode()
    assert "Order total: enter a number." in html
    assert 'value="lots"' in html  # what the agent typed stays
    assert f'hx-get="{url}" hx-target="#custom-attributes"' in html  # Cancel: the panel again
    conversation.refresh_from_db()
    conversation.contact.refresh_from_db()
    assert conversation.attributes == {} and conversation.contact.attributes == {}

    ok = client.post(
        url, {"contact-tier": "gold", "conversation-order_total": "249,90"}, HTTP_HX_REQUEST="true"
    )
    assert ok.status_code == 200
    conversation.refresh_from_db()
    conversation.contact.refresh_from_db()
    assert conversation.contact.attributes == {"tier": "gold"}
    assert conversation.attributes == {"order_total": 249.9}
    assert AuditEvent.objects.filter(action="attribute.changed").count() == 2


def test_an_agent_cannot_edit_attributes_of_a_conversation_they_may_not_see():
    tier_definition()
    kitchen = factories.team()
    conversation = factories.conversation(topic_slug=factories.topic(team=kitchen).slug)
    response = logged_in(factories.agent(teams=[factories.team()])).post(
        reverse("console:conversation_attributes", args=[conversation.pk]), {"contact-tier": "gold"}
    )
    assert response.status_code == 404
    conversation.contact.refresh_from_db()
    assert conversation.contact.attributes == {}


@pytest.mark.django_db(transaction=True)
def test_the_inbox_filters_by_attribute_within_its_query_budget(django_assert_max_num_queries):
    definition = tier_definition()
    supervisor = factories.supervisor()
    gold, _ = factories.visitor(contact_data={"attributes": {"tier": "gold"}})
    wanted = factories.conversation(contact=gold)
    for _ in range(5):
        factories.conversation()
    client = logged_in(supervisor)
    params = {"view": "all", "attr": definition.pk, "attr_value": "gold"}
    client.get(reverse("console:inbox"), params)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("console:inbox"), params)
    assert [c.pk for c in response.context["conversations"]] == [wanted.pk]
    assert f'<option value="{definition.pk}" selected>Loyalty tier</option>' in (
        response.content.decode()
    )


def test_console_search_finds_a_prechat_table_number():
    supervisor = factories.supervisor()
    conversation = factories.conversation()
    Conversation.objects.filter(pk=conversation.pk).update(attributes={"table_number": "T7"})
    response = logged_in(supervisor).get(reverse("console:search"), {"q": "T7"})
    assert [c.pk for c in response.context["about"]] == [conversation.pk]


def test_contacts_page_in_turkish():
    supervisor = factories.supervisor()
    services.agent_set_language(profile=supervisor, language="tr")
    contacts_with_conversations(1)
    html = logged_in(supervisor).get(reverse("console:contacts")).content.decode()
    assert "Kişiler" in html


def test_a_contact_that_is_gone_is_not_called_a_conversation():
    # A contact page left open while someone merged the contact away, in a Turkish console.
    client = logged_in(factories.supervisor())
    page = client.get(reverse("console:contact", args=[999999]), HTTP_ACCEPT_LANGUAGE="tr")
    text = page.content.decode()
    assert page.status_code == 404
    assert "Silinmiş olabilir" in text
    assert "Konuşma" not in text
