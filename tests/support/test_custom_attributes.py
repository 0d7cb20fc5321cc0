"""Custom attribute definitions: typed values, the SDK's attributes, agents' edits, merge."""

import json

import pytest
from django.core.exceptions import ValidationError

from support import errors, selectors, services
from support.models import AttributeDefinition, AuditEvent, Contact, ContactChange
from tests import factories

pytestmark = pytest.mark.django_db

Scope, Type = AttributeDefinition.Scope, AttributeDefinition.Type


def definition(key, type_=Type.TEXT, scope=Scope.CONTACT, options=None):
    return AttributeDefinition.objects.create(
        scope=scope,
        key=key,
        label_en=key.title(),
        label_tr=f"{key} (tr)",
        type=type_,
        options=options or [],
    )


@pytest.mark.parametrize(
    ("type_", "given", "stored"),
    [
        (Type.TEXT, "  gold  ", "gold"),
        (Type.NUMBER, "12", 12),
        (Type.NUMBER, "12,5", 12.5),
        (Type.NUMBER, 7, 7),
        (Type.DATE, "2026-12-07", "2026-12-07"),
        (Type.LIST, "gold", "gold"),
        (Type.LINK, "https://shop.example.com/orders/1", "https://shop.example.com/orders/1"),
        (Type.TEXT, "", None),
    ],
)
def test_a_value_is_stored_as_its_type(type_, given, stored):
    attribute = definition("tier", type_, options=["gold", "silver"])
    assert services.attribute_value_clean(definition=attribute, value=given) == stored


@pytest.mark.parametrize(
    ("type_", "given", "problem"),
    [
        (Type.NUMBER, "twelve", "enter a number"),
        (Type.NUMBER, "nan", "enter a number"),
        (Type.DATE, "07.12.2026", "YYYY-MM-DD"),
        (Type.LIST, "bronze", "choose one of gold, silver"),
        (Type.LINK, "javascript:alert(1)", "https://"),
        (Type.TEXT, True, "a text or a number"),
        (Type.TEXT, "x" * 501, "at most 500"),
    ],
)
def test_a_bad_value_is_refused_naming_the_attribute(type_, given, problem):
    attribute = definition("tier", type_, options=["gold", "silver"])
    with pytest.raises(ValidationError) as caught:
        services.attribute_value_clean(definition=attribute, value=given)
    assert "Tier" in caught.value.messages[0]
    assert problem in caught.value.messages[0]


def test_sdk_attributes_are_checked_against_definitions_and_unknown_keys_kept():
    definition("orders", Type.NUMBER)
    widget = factories.widget()
    contact, _token = factories.visitor(
        widget_obj=widget, contact_data={"attributes": {"orders": "23", "favourite": "Simit"}}
    )
    assert contact.attributes == {"orders": 23, "favourite": "Simit"}

    with pytest.raises(errors.InvalidInput) as caught:
        factories.visitor(widget_obj=widget, contact_data={"attributes": {"orders": "many"}})
    assert caught.value.code == "invalid_attribute"
    assert "attributes.orders" in caught.value.detail
    assert Contact.objects.count() == 1  # nothing written


def test_the_rest_api_upsert_is_checked_the_same_way():
    definition("since", Type.DATE)
    widget = factories.widget()
    with pytest.raises(errors.InvalidInput):
        services.contact_upsert(widget=widget, external_id="u1", attributes={"since": "dün"})
    contact, _created = services.contact_upsert(
        widget=widget, external_id="u1", attributes={"since": "2025-01-31"}
    )
    assert contact.attributes["since"] == "2025-01-31"


def test_an_agent_sets_and_clears_a_contact_attribute_audited_and_searchable():
    definition("loyalty_card", Type.TEXT)
    agent = factories.agent()
    conversation = factories.conversation()
    contact = services.contact_attribute_set(
        contact=conversation.contact, key="loyalty_card", value="LC-99812", by_user=agent.user
    )
    assert contact.attributes == {"loyalty_card": "LC-99812"}
    event = AuditEvent.objects.get(action="attribute.changed")
    assert event.detail == {
        "scope": "contact",
        "key": "loyalty_card",
        "old": None,
        "new": "LC-99812",
    }
    found = selectors.contact_search(profile=factories.supervisor(), query="LC-99812")
    assert [c.pk for c in found] == [contact.pk]

    contact = services.contact_attribute_set(
        contact=contact, key="loyalty_card", value="", by_user=agent.user
    )
    assert contact.attributes == {}


def test_an_undefined_or_invalid_attribute_edit_is_refused_and_nothing_changes():
    definition("visits", Type.NUMBER)
    agent = factories.agent()
    conversation = factories.conversation()
    with pytest.raises(errors.NotFound):
        services.contact_attribute_set(
            contact=conversation.contact, key="nope", value="1", by_user=agent.user
        )
    with pytest.raises(ValidationError):
        services.contact_attribute_set(
            contact=conversation.contact, key="visits", value="a lot", by_user=agent.user
        )
    conversation.contact.refresh_from_db()
    assert conversation.contact.attributes == {}
    assert not AuditEvent.objects.filter(action="attribute.changed").exists()


def test_a_conversation_attribute_is_set_and_filters_the_inbox():
    definition("table", Type.NUMBER, scope=Scope.CONVERSATION)
    supervisor = factories.supervisor()
    first, second = factories.conversation(), factories.conversation()
    services.conversation_attribute_set(
        conversation=first, key="table", value="12", by_user=supervisor.user
    )
    table = selectors.attribute_definitions_by_key(scope=Scope.CONVERSATION)["table"]
    rows = selectors.conversation_list_for_inbox(
        profile=supervisor, view="all", attribute=(table, "12")
    )
    assert [row.pk for row in rows] == [first.pk]
    assert second.pk not in [row.pk for row in rows]


def test_supervisor_merges_two_contacts_moving_conversations_and_attributes():
    supervisor = factories.supervisor()
    widget = factories.widget()
    target, _ = factories.visitor(
        widget_obj=widget, contact_data={"name": "Ayşe", "attributes": {"city": "İzmir"}}
    )
    source, _ = factories.visitor(
        widget_obj=widget,
        contact_data={
            "email": "ayse@example.com",
            "phone": "+90 555 000 11 22",
            "attributes": {"city": "Ankara", "orders": 3},
        },
    )
    kept = factories.conversation(contact=target)
    moved = factories.conversation(contact=source)
    services.contact_update(
        contact=source, by_user=supervisor.user, name="A. Y.", email="ayse@example.com"
    )

    merged = services.contact_merge(source=source, target=target, by_user=supervisor.user)

    assert merged.pk == target.pk
    assert not Contact.objects.filter(pk=source.pk).exists()
    assert set(merged.conversations.values_list("pk", flat=True)) == {kept.pk, moved.pk}
    assert (merged.name, merged.email, merged.phone) == (
        "Ayşe",
        "ayse@example.com",
        "+90 555 000 11 22",
    )
    assert merged.attributes == {"city": "İzmir", "orders": 3}
    assert ContactChange.objects.filter(contact=merged).exists()  # the change log moved too
    event = AuditEvent.objects.get(action="contact.merged")
    assert event.contact_ref == merged.pk
    assert event.detail["source_id"] == source.pk
    assert event.detail["conversations"] == [moved.pk]
    json.loads(json.dumps(event.detail))
    assert selectors.contact_search(profile=supervisor, query="ayse")[0].pk == merged.pk


def test_an_agent_may_not_merge_and_bad_pairs_are_refused():
    widget = factories.widget()
    one, _ = factories.visitor(widget_obj=widget)
    two, _ = factories.visitor(widget_obj=widget)
    other, _ = factories.visitor()
    with pytest.raises(errors.Forbidden):
        services.contact_merge(source=one, target=two, by_user=factories.agent().user)
    supervisor = factories.supervisor()
    with pytest.raises(errors.InvalidInput):
        services.contact_merge(source=one, target=one, by_user=supervisor.user)
    with pytest.raises(errors.InvalidInput):
        services.contact_merge(source=one, target=other, by_user=supervisor.user)
    assert Contact.objects.count() == 3
    assert not AuditEvent.objects.filter(action="contact.merged").exists()


def test_the_verified_user_is_the_one_kept():
    widget = factories.widget()
    verified, _ = factories.visitor(widget_obj=widget, external_id="user-7")
    anonymous, _ = factories.visitor(widget_obj=widget)
    merged = services.contact_merge(
        source=verified, target=anonymous, by_user=factories.supervisor().user
    )
    assert merged.pk == verified.pk and merged.identified
    assert not Contact.objects.filter(pk=anonymous.pk).exists()


def test_the_admin_forms_refuse_an_incoherent_prechat_field_and_a_list_without_options():
    from support.admin_attributes import AttributeDefinitionForm, PreChatFieldForm

    widget = factories.widget()
    form = PreChatFieldForm({"kind": "attribute", "required": "on", "order": 0})
    form.instance.widget = widget
    assert not form.is_valid()
    assert "attribute" in form.errors
    form = AttributeDefinitionForm(
        {
            "scope": "contact",
            "key": "tier",
            "label_en": "Tier",
            "type": "list",
            "options": "[]",
            "order": 0,
        }
    )
    assert not form.is_valid() and "options" in form.errors
    form = AttributeDefinitionForm(
        {
            "scope": "contact",
            "key": "Bad Key",
            "label_en": "Tier",
            "type": "text",
            "options": "[]",
            "order": 0,
        }
    )
    assert not form.is_valid() and "key" in form.errors


def test_the_admin_pages_show_the_prechat_form_and_the_definitions(admin_client):
    widget = factories.widget()
    assert admin_client.get(f"/admin/support/widget/{widget.pk}/change/").status_code == 200
    assert admin_client.get("/admin/support/attributedefinition/add/").status_code == 200
