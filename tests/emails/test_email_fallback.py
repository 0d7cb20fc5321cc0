"""Email fallback end to end against a real SMTP server: the address a visitor leaves, agent
replies by email while they are away, replies by email threaded back, transcripts."""

import json
import mailbox
from datetime import timedelta
from email.message import EmailMessage
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from emails import services, tokens
from emails.models import EmailPreference
from emails.quoting import reply_text
from emails.views import inbound_signature
from support import errors
from support import services as support_services
from support.models import Contact, Message
from tests import factories

from .conftest import html_of, text_of

pytestmark = pytest.mark.django_db

VISITOR_EMAIL = "ayse@example.org"


def widget_post(path, data, token):
    return Client().post(
        f"/api/widget/v1/{path}",
        data=json.dumps(data),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def away(contact):
    Contact.objects.filter(pk=contact.pk).update(
        last_seen_at=timezone.now() - timedelta(minutes=10)
    )
    contact.refresh_from_db()


@pytest.fixture
def agent():
    return factories.agent(display_name="Mehmet")


@pytest.fixture
def chat(agent):
    """A conversation whose visitor left an address and went away."""
    contact, _token = factories.visitor()
    services.contact_email_leave(contact=contact, email=VISITOR_EMAIL)
    conversation = factories.conversation(contact=contact, body="My order is late")
    away(contact)
    return conversation


def agent_reply(conversation, agent, body, capture):
    with capture(execute=True):
        return support_services.message_send(
            conversation=conversation, sender_type="agent", body=body, agent=agent.user
        )[0]


SECRET = "inbound-test-secret"


def inbound(data, *, secret=SECRET):
    body = json.dumps(data).encode()
    return Client().post(
        "/integrations/inbound-email/",
        data=body,
        content_type="application/json",
        HTTP_X_DESTEK_SIGNATURE=inbound_signature(body, secret),
    )


# --- Leaving an address in the widget -------------------------------------------------------


def test_the_widget_stores_the_address_and_the_transcript_wish_on_the_contact():
    contact, token = factories.visitor()
    response = widget_post("contact/email", {"email": "Ali@Example.COM", "transcript": True}, token)
    assert response.status_code == 200
    assert response.json() == {"email": "Ali@example.com", "transcript": True}
    contact.refresh_from_db()
    assert contact.email == "Ali@example.com"
    assert "example" in contact.search_text
    assert EmailPreference.objects.get(contact=contact).transcript_requested is True


@pytest.mark.parametrize("email", ["not-an-email", "", None, 42, "a@b", "x" * 250 + "@example.com"])
def test_a_bad_address_is_400_with_a_clear_message_and_nothing_is_stored(email):
    contact, token = factories.visitor()
    response = widget_post("contact/email", {"email": email}, token)
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_email",
        "detail": "Enter a valid email address.",
    }
    contact.refresh_from_db()
    assert contact.email == ""
    assert not EmailPreference.objects.exists()


def test_leaving_an_address_needs_the_visitor_token():
    response = widget_post("contact/email", {"email": "a@example.com"}, "forged")
    assert response.status_code == 401


def test_the_session_offers_the_form_when_nobody_is_online_and_not_when_someone_is():
    widget = factories.widget()
    first = (
        Client()
        .post(
            "/api/widget/v1/session",
            data=json.dumps({"widget_key": widget.key, "locale": "tr"}),
            content_type="application/json",
        )
        .json()
    )
    assert first["email"]["offer"] is True
    assert first["email"]["texts"]["invalid"] == "Geçerli bir e-posta adresi girin."
    factories.agent(online=True)
    second = (
        Client()
        .post(
            "/api/widget/v1/session",
            data=json.dumps({"widget_key": widget.key, "visitor_token": first["visitor_token"]}),
            content_type="application/json",
        )
        .json()
    )
    assert second["email"]["offer"] is False
    # The texts come anyway: the form can appear later if the last agent leaves mid-chat.
    assert second["email"]["texts"]["invalid"] == "Geçerli bir e-posta adresi girin."


# --- Agent replies by email -----------------------------------------------------------------


def test_replies_within_the_window_go_out_as_one_email_with_a_threading_reply_to(
    chat, agent, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for body in ("Looking into it", "It ships <today>"):
            support_services.message_send(
                conversation=chat, sender_type="agent", body=body, agent=agent.user
            )
    assert len(callbacks) >= 2  # one task per reply, each with the batch countdown
    assert services.reply_email_send(conversation_id=chat.pk) == 2
    assert services.reply_email_send(conversation_id=chat.pk) == 0  # the later task: nothing
    assert len(smtp) == 1
    recipients, email = smtp[0]
    assert recipients == [VISITOR_EMAIL]
    assert str(chat.pk) in email["Subject"]
    text = text_of(email)
    assert "Mehmet:\nLooking into it" in text and "It ships <today>" in text
    assert "It ships &lt;today&gt;" in html_of(email)
    reply_to = email["Reply-To"]
    local = reply_to.split("@")[0]
    assert reply_to.endswith("@reply.example.com") and local.startswith("reply+")
    target = tokens.reply_target(local[len("reply+") :])
    assert target == tokens.ReplyTarget(chat.pk, chat.contact_id)


def test_the_task_is_enqueued_after_commit_and_sends(
    chat, agent, smtp, django_capture_on_commit_callbacks
):
    agent_reply(chat, agent, "Hello from the team", django_capture_on_commit_callbacks)
    assert len(smtp) == 1 and "Hello from the team" in text_of(smtp[0][1])


def test_a_visitor_with_the_widget_open_gets_no_email(
    chat, agent, smtp, django_capture_on_commit_callbacks
):
    Contact.objects.filter(pk=chat.contact_id).update(last_seen_at=timezone.now())
    agent_reply(chat, agent, "Are you there?", django_capture_on_commit_callbacks)
    assert smtp == []


def test_a_visitor_without_an_address_gets_no_email(
    agent, smtp, django_capture_on_commit_callbacks
):
    conversation = factories.conversation()
    away(conversation.contact)
    agent_reply(conversation, agent, "Are you there?", django_capture_on_commit_callbacks)
    assert smtp == []


# --- Replies by email (acceptance) ----------------------------------------------------------


def reply_to_of(smtp) -> str:
    return smtp[-1][1]["Reply-To"]


QUOTED = "Yes, tomorrow works.\n\nOn Wed, 25 Nov 2026 Destek wrote:\n> Looking into it\n"


def test_an_emailed_reply_threads_into_the_right_conversation_as_the_visitor(
    chat, agent, smtp, django_capture_on_commit_callbacks
):
    other = factories.conversation(contact=chat.contact, body="Another question")
    agent_reply(chat, agent, "Looking into it", django_capture_on_commit_callbacks)
    data = {
        "from": f"Ayşe <{VISITOR_EMAIL.upper()}>",
        "to": f"Destek <{reply_to_of(smtp)}>",
        "subject": "Re: New reply",
        "text": QUOTED,
        "message_id": "<abc@mail.example.org>",
    }
    response = inbound(data)
    assert response.status_code == 201
    message = Message.objects.get(pk=response.json()["message"])
    assert (message.conversation_id, message.sender_type) == (chat.pk, "visitor")
    assert message.body == "Yes, tomorrow works."
    assert not other.messages.filter(body="Yes, tomorrow works.").exists()
    # The same email delivered again posts nothing new.
    again = inbound(data)
    assert again.status_code == 200 and again.json()["message"] == message.pk
    assert chat.messages.filter(body="Yes, tomorrow works.").count() == 1


def test_a_forged_sender_is_rejected_and_nothing_is_written(
    chat, agent, smtp, django_capture_on_commit_callbacks
):
    agent_reply(chat, agent, "Looking into it", django_capture_on_commit_callbacks)
    count = Message.objects.count()
    response = inbound(
        {"from": "mallory@evil.example", "to": reply_to_of(smtp), "text": "Refund me"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "sender_mismatch"
    assert Message.objects.count() == count


@pytest.mark.parametrize(
    "change",
    [
        lambda a: a.replace("reply+", "reply+x"),  # tampered token
        lambda a: a.replace("reply.example.com", "elsewhere.example"),  # other domain
        lambda a: "support@reply.example.com",  # no token
    ],
)
def test_a_forged_or_missing_reply_address_is_rejected(
    chat, agent, smtp, django_capture_on_commit_callbacks, change
):
    agent_reply(chat, agent, "Looking into it", django_capture_on_commit_callbacks)
    count = Message.objects.count()
    response = inbound({"from": VISITOR_EMAIL, "to": change(reply_to_of(smtp)), "text": "Hi"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "invalid_reply_address"
    assert Message.objects.count() == count


def test_the_endpoint_needs_the_signature(chat, smtp):
    address = tokens.reply_address(conversation_id=chat.pk, contact_id=chat.contact_id)
    data = {"from": VISITOR_EMAIL, "to": address, "text": "Hi"}
    assert inbound(data, secret="wrong").status_code == 403
    unsigned = Client().post(
        "/integrations/inbound-email/", data=json.dumps(data), content_type="application/json"
    )
    assert unsigned.status_code == 403
    assert not chat.messages.filter(body="Hi").exists()


def test_an_empty_reply_and_bad_json_are_400(chat, smtp):
    address = tokens.reply_address(conversation_id=chat.pk, contact_id=chat.contact_id)
    response = inbound({"from": VISITOR_EMAIL, "to": address, "text": "> only quoted"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "empty_message"
    body = b"not json"
    bad = Client().post(
        "/integrations/inbound-email/",
        data=body,
        content_type="application/json",
        HTTP_X_DESTEK_SIGNATURE=inbound_signature(body, SECRET),
    )
    assert bad.status_code == 400


def test_a_reply_to_a_resolved_conversation_reopens_it(chat, agent, smtp):
    support_services.conversation_resolve(conversation=chat, agent=agent.user)
    address = tokens.reply_address(conversation_id=chat.pk, contact_id=chat.contact_id)
    response = inbound({"from": VISITOR_EMAIL, "to": address, "text": "Still broken"})
    assert response.status_code == 201
    chat.refresh_from_db()
    assert chat.status != "resolved"
    assert chat.messages.last().body == "Still broken"


def test_the_command_reads_an_mbox_and_refuses_a_forged_sender(chat, smtp, tmp_path):
    address = tokens.reply_address(conversation_id=chat.pk, contact_id=chat.contact_id)
    box = mailbox.mbox(tmp_path / "inbox")
    for sender, text, message_id in [
        (VISITOR_EMAIL, "Via the mbox\n\n> quoted", "<m1@example.org>"),
        ("mallory@evil.example", "Forged", "<m2@example.org>"),
    ]:
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = sender, address, "Re: #1"
        email["Message-ID"] = message_id
        email.set_content(text)
        box.add(email)
    box.flush()
    out, err = StringIO(), StringIO()
    call_command("read_inbound_mail", str(tmp_path / "inbox"), stdout=out, stderr=err)
    assert "1 posted, 1 refused" in out.getvalue()
    assert "sender_mismatch" in err.getvalue()
    assert chat.messages.filter(body="Via the mbox", sender_type="visitor").count() == 1
    assert not chat.messages.filter(body="Forged").exists()
    # Read again: idempotent by Message-ID.
    call_command("read_inbound_mail", str(tmp_path / "inbox"), stdout=StringIO(), stderr=err)
    assert chat.messages.filter(body="Via the mbox").count() == 1


def test_the_command_reads_a_maildir(chat, smtp, tmp_path):
    address = tokens.reply_address(conversation_id=chat.pk, contact_id=chat.contact_id)
    box = mailbox.Maildir(tmp_path / "Maildir")
    email = EmailMessage()
    email["From"], email["To"] = VISITOR_EMAIL, address
    email.set_content("From the maildir")
    box.add(email)
    call_command("read_inbound_mail", str(tmp_path / "Maildir"), "--delete", stdout=StringIO())
    assert chat.messages.filter(body="From the maildir").exists()
    assert len(mailbox.Maildir(tmp_path / "Maildir")) == 0


# --- Transcripts ------------------------------------------------------------------------------


def test_the_transcript_goes_out_at_resolve_when_asked_plain_and_escaped_html(
    agent, smtp, django_capture_on_commit_callbacks
):
    contact, _token = factories.visitor()
    services.contact_email_leave(contact=contact, email=VISITOR_EMAIL, transcript=True)
    conversation = factories.conversation(contact=contact, body="<script>x</script> help")
    with django_capture_on_commit_callbacks(execute=True):
        support_services.conversation_resolve(conversation=conversation, agent=agent.user)
    transcripts = [m for _r, m in smtp if "Transcript" in m["Subject"]]
    assert len(transcripts) == 1
    assert "<script>x</script> help" in text_of(transcripts[0])
    html = html_of(transcripts[0])
    assert "&lt;script&gt;x&lt;/script&gt; help" in html and "<script>" not in html


def test_the_transcript_goes_out_when_a_pending_conversation_is_auto_resolved(
    agent, smtp, settings, django_capture_on_commit_callbacks
):
    from support import automation
    from support.models import Conversation

    settings.DESTEK = {**settings.DESTEK, "PENDING_AUTO_RESOLVE_HOURS": 24}
    contact, _token = factories.visitor()
    services.contact_email_leave(contact=contact, email=VISITOR_EMAIL, transcript=True)
    conversation = factories.conversation(contact=contact, body="Waiting for a refund")
    Conversation.objects.filter(pk=conversation.pk).update(
        status="pending", last_message_at=timezone.now() - timedelta(hours=30)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert automation.pending_auto_resolve() == [conversation.pk]
    transcripts = [m for _r, m in smtp if "Transcript" in m["Subject"]]
    assert len(transcripts) == 1 and "Waiting for a refund" in text_of(transcripts[0])


def test_no_transcript_at_resolve_when_not_asked(
    chat, agent, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        support_services.conversation_resolve(conversation=chat, agent=agent.user)
    assert not [m for _r, m in smtp if "Transcript" in m["Subject"]]


def test_the_admin_action_emails_the_transcript(
    chat, smtp, client, django_capture_on_commit_callbacks
):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345-x")
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/support/conversation/",
            {"action": "email_transcript", "_selected_action": [chat.pk]},
        )
    assert response.status_code == 302
    assert len(smtp) == 1 and "My order is late" in text_of(smtp[0][1])


def test_a_transcript_needs_an_address():
    conversation = factories.conversation()
    with pytest.raises(errors.Conflict):
        services.transcript_email_send(conversation_id=conversation.pk)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thanks!\n\nOn Mon, Jan 1, 2026 at 9:00 Destek <x@y> wrote:\n> old", "Thanks!"),
        ("Tamam\n\n25 Kas 2026 Çar, 10:00 tarihinde Destek şunu yazdı:\n> eski", "Tamam"),
        ("Top\n> quoted\nBottom", "Top\nBottom"),
        (
            "Ok\n\nOn Wed, Nov 25, 2026 at 10:00 PM Destek <\nreply+a.b@x.example> wrote:\n> old",
            "Ok",
        ),
        ("Hi\n-- \nAyşe\nCEO", "Hi"),
        ("Hi\n-----Original Message-----\nFrom: x", "Hi"),
    ],
)
def test_quoted_text_and_signatures_are_stripped(text, expected):
    assert reply_text(text) == expected
