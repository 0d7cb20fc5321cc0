import csv
import io
import json
from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from integrations import exports
from ratings import services as rating_services
from support import services as support_services
from support.models import AttributeDefinition, Contact, Conversation
from tests import factories

pytestmark = pytest.mark.django_db

EXPORT_URL = "/admin/integrations/crmexport/"


def make_contact(widget, external_id, *, days_ago=0, **data):
    contact = support_services.contact_upsert(widget=widget, external_id=external_id, **data)[0]
    created = timezone.now() - timedelta(days=days_ago)
    Contact.objects.filter(pk=contact.pk).update(created_at=created)
    return contact


@pytest.fixture
def supervisor_client(client):
    profile = factories.supervisor()
    profile.user.is_staff = True
    profile.user.save()
    client.force_login(profile.user)
    return client


def download(client, **params):
    response = client.get(EXPORT_URL, {"download": "1", **params})
    assert response.status_code == 200, response.content[:500]
    assert response.streaming
    return response, b"".join(response.streaming_content).decode()


def test_contacts_csv_from_the_admin(supervisor_client):
    widget = factories.widget(key="shop")
    make_contact(widget, "u-1", name="Ada", email="ada@example.com", attributes={"plan": "pro"})
    make_contact(widget, "u-2", name='=HYPERLINK("http://evil")', phone="+90 555")

    response, text = download(supervisor_client, kind="contacts", format="csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="destek-contacts-' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == exports.CONTACT_COLUMNS
    assert [(r["external_id"], r["widget"], r["identified"]) for r in rows] == [
        ("u-1", "shop", "true"),
        ("u-2", "shop", "true"),
    ]
    assert rows[0]["email"] == "ada@example.com"
    assert json.loads(rows[0]["attributes"]) == {"plan": "pro"}
    # A spreadsheet must not run what a visitor typed as a formula.
    assert rows[1]["name"] == '\'=HYPERLINK("http://evil")'
    assert rows[1]["phone"] == "'+90 555"


def test_filter_by_creation_date(supervisor_client):
    widget = factories.widget()
    make_contact(widget, "old", days_ago=30)
    make_contact(widget, "mid", days_ago=10)
    make_contact(widget, "new", days_ago=0)
    today = timezone.localdate()
    _response, text = download(
        supervisor_client,
        kind="contacts",
        format="json",
        since=(today - timedelta(days=20)).isoformat(),
        until=(today - timedelta(days=1)).isoformat(),
    )
    assert [row["external_id"] for row in json.loads(text)] == ["mid"]


def test_conversations_json_with_transcripts(supervisor_client):
    widget = factories.widget()
    contact = make_contact(widget, "u-1", name="Ada")
    agent = factories.agent(display_name="Ayşe")
    conversation = factories.conversation(contact=contact, body="My order is late")
    factories.message(
        conversation=conversation, sender_type="agent", body="On its way!", agent_user=agent.user
    )
    support_services.conversation_resolve(conversation=conversation, agent=agent.user)
    rating_services.rating_submit(conversation=conversation, score=4, comment="Quick")
    factories.conversation(contact=contact, body="Another thing")

    _response, text = download(supervisor_client, kind="conversations", format="json")
    rows = json.loads(text)
    assert [row["id"] for row in rows] == sorted(row["id"] for row in rows)
    first = rows[0]
    assert first["contact_external_id"] == "u-1"
    assert first["status"] == "resolved"
    assert first["assignee"] == "Ayşe"
    assert (first["rating_score"], first["rating_comment"]) == (4, "Quick")
    assert [(m["sender"], m["body"]) for m in first["transcript"]][:2] == [
        ("visitor", "My order is late"),
        ("Ayşe", "On its way!"),
    ]
    assert first["message_count"] == len(first["transcript"])
    assert rows[1]["transcript"][0]["body"] == "Another thing"

    _response, text = download(supervisor_client, kind="conversations", format="csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert "visitor: My order is late" in rows[0]["transcript"]
    assert "Ayşe: On its way!" in rows[0]["transcript"]


def test_exports_read_in_chunks(monkeypatch, django_assert_num_queries):
    widget = factories.widget()
    for n in range(5):
        factories.conversation(contact=make_contact(widget, f"u-{n}"))
    monkeypatch.setattr(exports, "CONVERSATION_CHUNK_SIZE", 2)
    stream = exports.export_stream(kind="conversations", fmt="json")
    # The first row costs one chunk: the conversations query and that chunk's messages.
    with django_assert_num_queries(2):
        assert next(stream) == "["
        first = json.loads(next(stream))
    assert first["contact_external_id"] == "u-0"
    # The rest arrive chunk by chunk (two more chunks: one messages query each).
    with django_assert_num_queries(2):
        rest = list(stream)
    assert len(rest) == 5  # four rows and the closing bracket


def test_only_supervisors_may_export(client):
    profile = factories.agent()
    profile.user.is_staff = True
    profile.user.save()
    client.force_login(profile.user)
    assert client.get(EXPORT_URL).status_code == 403
    assert client.get(EXPORT_URL, {"download": "1", "kind": "contacts"}).status_code == 403
    client.logout()
    assert client.get(EXPORT_URL).status_code == 302  # to the admin login


def test_the_form_and_its_errors(supervisor_client):
    page = supervisor_client.get(EXPORT_URL)
    assert page.status_code == 200
    assert "manage.py export_contacts" in page.content.decode()
    bad = supervisor_client.get(
        EXPORT_URL,
        {
            "download": "1",
            "kind": "contacts",
            "format": "csv",
            "since": "2026-02-01",
            "until": "2026-01-01",
        },
    )
    assert bad.status_code == 200
    assert not bad.streaming
    assert "must be before" in bad.content.decode()


def test_management_commands(tmp_path):
    widget = factories.widget()
    make_contact(widget, "old", days_ago=30, email="old@example.com")
    make_contact(widget, "new", email="new@example.com")
    out = io.StringIO()
    since = (timezone.localdate() - timedelta(days=1)).isoformat()
    call_command("export_contacts", "--format", "json", "--since", since, stdout=out)
    assert [row["external_id"] for row in json.loads(out.getvalue())] == ["new"]

    target = tmp_path / "contacts.csv"
    err = io.StringIO()
    call_command("export_contacts", "--output", str(target), stderr=err)
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [row["email"] for row in rows] == ["old@example.com", "new@example.com"]
    assert "Wrote 2 contacts" in err.getvalue()

    factories.conversation(contact=Contact.objects.get(external_id="new"), body="Hi there")
    out = io.StringIO()
    call_command("export_conversations", "--format", "csv", stdout=out)
    assert "visitor: Hi there" in out.getvalue()

    with pytest.raises(CommandError, match="Not a date"):
        call_command("export_contacts", "--since", "last tuesday")


def test_dates_are_read_in_the_site_time_zone():
    from integrations.management.export_command import parse_moment

    moment = parse_moment("2026-01-31")
    assert moment == timezone.make_aware(datetime(2026, 1, 31))
    assert parse_moment("2026-01-31T09:30:00+00:00").hour == 9
    assert parse_moment("") is None


def test_custom_attributes_are_exported_typed_with_contacts_and_conversations(supervisor_client):
    AttributeDefinition.objects.create(
        scope="contact", key="orders", label_en="Orders", type="number"
    )
    widget = factories.widget()
    contact = make_contact(widget, "u-1", name="Ada", attributes={"orders": "23", "free": "x"})
    conversation = factories.conversation(contact=contact)
    Conversation.objects.filter(pk=conversation.pk).update(attributes={"table_number": "T12"})

    _response, text = download(supervisor_client, kind="contacts", format="json")
    assert json.loads(text)[0]["attributes"] == {"orders": 23, "free": "x"}
    _response, text = download(supervisor_client, kind="conversations", format="csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == exports.CONVERSATION_COLUMNS
    assert json.loads(rows[0]["attributes"]) == {"table_number": "T12"}
