"""The pre-chat form through the widget API: asked per widget and topic, skipped when the
contact's data is known, answers stored on the contact and the conversation, searchable."""

import pytest

from support import selectors
from support.models import AttributeDefinition, Contact, Conversation, PreChatField
from tests import factories
from tests.chat.test_api import Api

pytestmark = pytest.mark.django_db

Kind = PreChatField.Kind


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def form():
    """A restaurant's widget: name and phone for every chat, the table number for "table"."""
    widget = factories.widget()
    table = factories.topic(slug="table", name_en="At my table")
    factories.topic(slug="delivery")
    allergy = AttributeDefinition.objects.create(
        scope="contact", key="allergy", label_en="Allergies", label_tr="Alerjiler"
    )
    PreChatField.objects.create(widget=widget, kind=Kind.NAME, order=1)
    PreChatField.objects.create(widget=widget, kind=Kind.PHONE, order=2)
    PreChatField.objects.create(
        widget=widget, kind=Kind.ATTRIBUTE, attribute=allergy, required=False, order=3
    )
    PreChatField.objects.create(widget=widget, topic=table, kind=Kind.TABLE_NUMBER)
    return widget


def test_session_lists_the_questions_with_their_topics_in_the_visitors_language(api, form):
    data = api.session(widget_key=form.key, locale="tr").json()
    assert [(q["name"], q["topic"], q["required"]) for q in data["prechat"]] == [
        ("name", None, True),
        ("phone", None, True),
        ("allergy", None, False),
        ("table_number", "table", True),
    ]
    assert data["prechat"][0]["label"] == "Ad"
    assert data["prechat"][2]["label"] == "Alerjiler"


def test_known_data_is_not_asked_again(api, form):
    data = api.session(
        widget_key=form.key,
        identity=factories.identity(widget_obj=form, external_id="u-1"),
        contact={"name": "Ayşe", "phone": "+90 555 111 22 33"},
    ).json()
    assert [q["name"] for q in data["prechat"]] == ["allergy", "table_number"]


def test_a_widget_without_a_form_asks_nothing(api):
    assert api.session(widget_key=factories.widget().key).json()["prechat"] == []


def test_answers_land_on_the_contact_and_conversation_and_are_searchable(api, form):
    token = api.session(widget_key=form.key).json()["visitor_token"]
    response = api.start(
        token,
        body="Can we get the bill?",
        client_id="c1",
        topic="table",
        prechat={
            "name": "Mehmet Kaya",
            "phone": "0532 000 12 34",
            "allergy": "nuts",
            "table_number": "T12",
        },
    )
    assert response.status_code == 201, response.json()
    conversation = Conversation.objects.get()
    contact = Contact.objects.get()
    assert (contact.name, contact.phone) == ("Mehmet Kaya", "0532 000 12 34")
    assert contact.attributes == {"allergy": "nuts"}
    assert conversation.attributes == {"table_number": "T12"}
    supervisor = factories.supervisor()
    assert [c.pk for c in selectors.contact_search(profile=supervisor, query="0532")] == [
        contact.pk
    ]
    assert [c.pk for c in selectors.contact_search(profile=supervisor, query="nuts")] == [
        contact.pk
    ]
    found = selectors.conversation_search_by_context(profile=supervisor, query="T12")
    assert [c.pk for c in found] == [conversation.pk]


def test_missing_and_invalid_answers_are_refused_field_by_field_and_nothing_is_written(api, form):
    token = api.session(widget_key=form.key).json()["visitor_token"]
    response = api.start(
        token, body="Hi", client_id="c1", topic="table", prechat={"name": "", "phone": "abc"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_prechat"
    assert set(error["fields"]) == {"name", "phone", "table_number"}
    assert not Conversation.objects.exists()
    assert Contact.objects.get().name == ""


def test_a_topic_question_is_not_required_for_another_topic(api, form):
    token = api.session(widget_key=form.key).json()["visitor_token"]
    response = api.start(
        token,
        body="Where is my food?",
        client_id="c1",
        topic="delivery",
        prechat={"name": "Ali", "phone": "+90 555 1234567"},
    )
    assert response.status_code == 201, response.json()
    assert Conversation.objects.get().attributes == {}


def test_email_is_validated(api):
    widget = factories.widget()
    PreChatField.objects.create(widget=widget, kind=Kind.EMAIL)
    token = api.session(widget_key=widget.key).json()["visitor_token"]
    response = api.start(token, body="Hi", client_id="c1", prechat={"email": "not-an-email"})
    assert response.json()["error"]["fields"] == {
        "email": "Enter a valid email address, like name@example.com."
    }
