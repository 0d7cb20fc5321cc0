"""Privacy: a contact's export (zip) and erasure (anonymised, words and files gone, statistics
kept), from the services, the admin and manage.py; and the audit log that records them."""

import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from chat import attachments as attachment_services
from ratings import services as rating_services
from support import privacy, services
from support.models import (
    Attachment,
    AuditEvent,
    Contact,
    ContactChange,
    Conversation,
    Message,
    Note,
)
from tests import factories
from tests.chat import corpus

pytestmark = pytest.mark.django_db


SECRET_NOTE = "Alice Smith lives at 12 Secret Street, phone 555-0100"


def rich_contact():
    widget = factories.widget()
    contact, token = factories.visitor(
        widget_obj=widget,
        external_id="user-42",
        contact_data={
            "name": "Ayşe Yılmaz",
            "email": "ayse@example.com",
            "phone": "+90 555 000 0000",
            "attributes": {"plan": "gold"},
        },
        device={"platform": "ios", "model": "iPhone 15"},
    )
    agent = factories.agent(display_name="Mehmet")
    conversation = factories.conversation(contact=contact, body="My card number is 4242")
    factories.message(
        conversation=conversation, sender_type="agent", agent_user=agent.user, body="On it"
    )
    services.conversation_resolve(conversation=conversation, agent=agent.user)
    rating_services.rating_submit(conversation=conversation, score=4, comment="Ayşe was happy")
    services.contact_update(
        contact=contact, by_user=agent.user, name="Ayşe Y.", email="ayse@example.com"
    )
    factories.note(conversation=conversation, author=agent, body=SECRET_NOTE)
    other = factories.conversation(body="Somebody else's words")
    factories.note(conversation=other, author=agent, body="Another person's note")
    attachment_services.attachment_upload(
        conversation=conversation,
        uploaded_file=SimpleUploadedFile(
            "receipt.pdf", corpus.pdf(), content_type="application/pdf"
        ),
        uploader_type="visitor",
    )
    return contact, token, conversation, other, agent


def read_zip(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return json.loads(archive.read("contact.json"))


def zip_files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_export_holds_the_contact_their_conversations_and_nothing_else():
    contact, _token, conversation, _other, agent = rich_contact()

    archive = privacy.contact_export(contact=contact, by_user=agent.user)
    data = read_zip(archive)

    assert data["contact"]["name"] == "Ayşe Y."
    assert data["contact"]["external_id"] == "user-42"
    assert data["contact"]["attributes"] == {"plan": "gold"}
    assert data["contact"]["device"]["model"] == "iPhone 15"
    assert [c["id"] for c in data["conversations"]] == [conversation.pk]
    bodies = [m["body"] for m in data["conversations"][0]["messages"]]
    assert "My card number is 4242" in bodies and "On it" in bodies
    assert "Somebody else's words" not in json.dumps(data)
    # What agents wrote about the person is theirs too; other people's notes are not.
    [note] = data["conversations"][0]["notes"]
    assert (note["body"], note["agent"]) == (SECRET_NOTE, agent.user.get_username())
    assert note["created_at"]
    assert "Another person's note" not in json.dumps(data)
    assert data["conversations"][0]["rating"]["score"] == 4
    assert data["detail_changes"][0]["old"] == "Ayşe Yılmaz"
    [listed] = data["conversations"][0]["unsent_attachments"]
    assert listed["name"] == "receipt.pdf"
    assert zip_files(archive)[listed["file"]] == corpus.pdf()
    event = AuditEvent.objects.get(action=AuditEvent.Action.CONTACT_EXPORTED)
    assert (event.actor, event.contact_ref) == (agent.user, contact.pk)


def test_erasure_anonymises_and_keeps_the_statistics(client, django_capture_on_commit_callbacks):
    contact, token, conversation, other, agent = rich_contact()
    before = Conversation.objects.values(
        "status", "created_at", "first_response_at", "resolved_at", "priority"
    ).get(pk=conversation.pk)
    message_count = Message.objects.filter(conversation=conversation).count()
    stored_file = Attachment.objects.get(conversation=conversation).file.name
    assert default_storage.exists(stored_file)
    client.force_login(agent.user)
    assert "Secret Street" in client.get(f"/console/conversations/{conversation.pk}/").text
    client.logout()

    with django_capture_on_commit_callbacks(execute=True):
        counts = privacy.contact_erase(contact=contact, by_user=agent.user)

    contact.refresh_from_db()
    assert (contact.name, contact.email, contact.phone, contact.external_id) == ("", "", "", "")
    assert (contact.attributes, contact.device, contact.identified) == ({}, {}, False)
    assert contact.erased_at is not None
    assert contact.search_text == ""
    assert not ContactChange.objects.filter(contact=contact).exists()
    # The words are gone ...
    assert set(
        Message.objects.filter(conversation=conversation).values_list("body", flat=True)
    ) == {""}
    assert Conversation.objects.get(pk=conversation.pk).last_message_preview == ""
    conversation.refresh_from_db()
    assert conversation.rating.comment == ""
    # ... the statistics stay.
    assert Message.objects.filter(conversation=conversation).count() == message_count
    assert conversation.rating.score == 4
    assert (
        Conversation.objects.values(
            "status", "created_at", "first_response_at", "resolved_at", "priority"
        ).get(pk=conversation.pk)
        == before
    )
    # Other contacts are untouched.
    assert Message.objects.filter(conversation=other, body="Somebody else's words").exists()
    assert counts == {
        "conversations": 1,
        "messages": 3,
        "notes": 1,
        "ratings": 1,
        "attachments": 1,
    }
    # Internal notes go with the rest: not in the database, not on the console.
    assert not Note.objects.filter(conversation=conversation).exists()
    assert Note.objects.filter(conversation=other, body="Another person's note").exists()
    client.force_login(agent.user)
    page = client.get(f"/console/conversations/{conversation.pk}/")
    assert page.status_code == 200 and "Secret Street" not in page.text
    client.logout()
    assert not Attachment.objects.filter(conversation=conversation).exists()
    assert not default_storage.exists(stored_file)
    # Every visitor token of the contact stops working.
    response = client.get(
        f"/api/widget/v1/conversations/{conversation.pk}/messages",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 401
    event = AuditEvent.objects.get(action=AuditEvent.Action.CONTACT_ERASED)
    assert event.detail == counts and event.actor == agent.user


def test_the_erased_user_comes_back_as_a_new_contact():
    contact, _token, _conversation, _other, _agent = rich_contact()
    privacy.contact_erase(contact=contact)

    again, _token = factories.visitor(widget_obj=contact.widget, external_id="user-42")

    assert again.pk != contact.pk
    assert not again.conversations.exists()


def test_manage_py_export_and_erase(tmp_path):
    contact, *_rest = rich_contact()
    output = tmp_path / "out.zip"

    call_command("contact_export", str(contact.pk), "--output", str(output), stdout=io.StringIO())
    call_command("contact_erase", str(contact.pk), "--yes", stdout=io.StringIO())

    assert read_zip(output.read_bytes())["contact"]["email"] == "ayse@example.com"
    assert Contact.objects.get(pk=contact.pk).email == ""
    assert list(AuditEvent.objects.values_list("action", "actor_name").order_by("id"))[-2:] == [
        (AuditEvent.Action.CONTACT_EXPORTED, "system"),
        (AuditEvent.Action.CONTACT_ERASED, "system"),
    ]


def staff_client(client):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345")
    client.force_login(user)
    return user


def test_admin_export_action_downloads_a_zip(client):
    contact, *_rest = rich_contact()
    user = staff_client(client)

    response = client.post(
        reverse("admin:support_contact_changelist"),
        {"action": "export_data", "_selected_action": [contact.pk]},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert read_zip(response.content)["contact"]["id"] == contact.pk
    assert AuditEvent.objects.get(action=AuditEvent.Action.CONTACT_EXPORTED).actor == user


def test_admin_erase_action_asks_first(client):
    contact, *_rest = rich_contact()
    staff_client(client)
    url = reverse("admin:support_contact_changelist")

    asked = client.post(url, {"action": "erase_data", "_selected_action": [contact.pk]})
    assert asked.status_code == 200
    assert "This cannot be undone" in asked.text
    assert Contact.objects.get(pk=contact.pk).email == "ayse@example.com"

    done = client.post(
        url, {"action": "erase_data", "_selected_action": [contact.pk], "confirm": "yes"}
    )
    assert done.status_code == 302
    assert Contact.objects.get(pk=contact.pk).erased_at is not None


# --- The audit log ---------------------------------------------------------------------


def test_console_views_and_changes_are_audited(client):
    team = factories.team()
    factories.topic(slug="billing", team=team)
    agent = factories.agent(teams=[team])
    other = factories.agent(teams=[team])
    conversation = factories.conversation(topic_slug="billing")
    client.force_login(agent.user)
    base = f"/console/conversations/{conversation.pk}"

    client.get(f"{base}/", REMOTE_ADDR="10.1.1.1")
    client.post(f"{base}/assign", {"to": str(other.user_id)})
    client.post(f"{base}/priority", {"priority": "high"})
    client.post(f"{base}/status", {"action": "resolve"})

    events = list(
        AuditEvent.objects.filter(conversation_ref=conversation.pk)
        .order_by("id")
        .values_list("action", "actor", "detail")
    )
    assert events == [
        (AuditEvent.Action.CONVERSATION_VIEWED, agent.user_id, {}),
        # Assigning opens it: the status gate records that move too.
        (
            AuditEvent.Action.CONVERSATION_STATUS_CHANGED,
            agent.user_id,
            {"from": "queued", "to": "open", "reason": "assigned"},
        ),
        (
            AuditEvent.Action.CONVERSATION_ASSIGNED,
            agent.user_id,
            {"from": None, "to": other.user_id},
        ),
        (
            AuditEvent.Action.CONVERSATION_PRIORITY_CHANGED,
            agent.user_id,
            {"from": "normal", "to": "high"},
        ),
        (
            AuditEvent.Action.CONVERSATION_STATUS_CHANGED,
            agent.user_id,
            {"from": "open", "to": "resolved", "reason": "resolved"},
        ),
    ]
    assert AuditEvent.objects.filter(ip_address="10.1.1.1").count() == 1


def test_creating_a_conversation_is_not_audited():
    factories.conversation()  # born queued: no move, no person involved
    assert not AuditEvent.objects.exists()


def test_automatic_status_moves_are_audited_as_the_system():
    factories.agent(online=True)
    conversation = factories.conversation()  # routing hands it to the free agent

    assert list(
        AuditEvent.objects.filter(conversation_ref=conversation.pk).values_list(
            "action", "actor", "actor_name", "detail"
        )
    ) == [
        (
            AuditEvent.Action.CONVERSATION_STATUS_CHANGED,
            None,
            "system",
            {"from": "queued", "to": "open", "reason": "assigned"},
        )
    ]


def test_supervisors_read_the_audit_log_in_the_admin_and_nobody_edits_it(client):
    supervisor = factories.supervisor()
    supervisor.user.is_staff = True
    supervisor.user.save()
    plain_staff = factories.agent()
    plain_staff.user.is_staff = True
    plain_staff.user.save()
    services.audit_record(actor=None, action=AuditEvent.Action.LOGIN_LOCKED)
    event = AuditEvent.objects.get()
    changelist = reverse("admin:support_auditevent_changelist")

    client.force_login(supervisor.user)
    assert client.get(changelist).status_code == 200
    assert "audit log" in client.get(reverse("admin:index")).text.lower()
    assert client.get(reverse("admin:support_auditevent_add")).status_code == 403
    change = client.post(
        reverse("admin:support_auditevent_change", args=[event.pk]), {"actor_name": "x"}
    )
    assert change.status_code == 403
    assert (
        client.post(reverse("admin:support_auditevent_delete", args=[event.pk])).status_code == 403
    )

    client.force_login(plain_staff.user)
    assert client.get(changelist).status_code == 403
    assert AuditEvent.objects.get().actor_name == "system"


def test_supervisors_see_retention_policies_and_the_audit_log_in_the_console(client, settings):
    settings.DESTEK = {
        **settings.DESTEK,
        "RETENTION_DAYS": {"messages": 365, "contacts_without_conversations": 0},
    }
    supervisor = factories.supervisor(display_name="Selin")
    agent = factories.agent()
    conversation = factories.conversation()
    services.audit_record(
        actor=supervisor.user,
        action=AuditEvent.Action.CONVERSATION_VIEWED,
        conversation_id=conversation.pk,
    )

    client.force_login(agent.user)
    assert client.get("/console/privacy/").status_code == 403

    client.force_login(supervisor.user)
    html = client.get("/console/privacy/").text
    assert "365 days" in html and "Forever" in html
    assert "The next sweep would delete 0 conversations" in html
    assert f"#{conversation.pk}" in html and "Selin" in html
    assert "Conversation viewed" in html
