"""Attachments end to end over HTTP: upload by content, send, serve, authorise, delete.

Every refused file is refused with its protocol status and leaves nothing in storage.
"""

import io
import json
import time
from datetime import timedelta

import pytest
from django.core import signing
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from chat import attachments as attachment_services
from chat import file_urls, protocol
from support import retention
from support import services as support_services
from support.models import Attachment, Message
from tests import factories
from tests.chat import corpus

pytestmark = pytest.mark.django_db

API = "/api/widget/v1/"


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def upload(client, token, conversation_id, data: bytes, name="file.png", content_type=None):
    handle = io.BytesIO(data)
    handle.name = name
    return client.post(
        f"{API}conversations/{conversation_id}/attachments",
        {"file": handle},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def send(client, token, conversation_id, **data):
    return client.post(
        f"{API}conversations/{conversation_id}/messages",
        json.dumps(data),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def fetch(client, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


@pytest.fixture
def visitor():
    contact, token = factories.visitor()
    conversation = factories.conversation(contact=contact)
    return contact, token, conversation


# --- the corpus: good files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("maker", "name", "content_type"),
    [
        (corpus.png, "shot.png", "image/png"),
        (corpus.jpeg, "photo.jpg", "image/jpeg"),
        (corpus.webp, "pic.webp", "image/webp"),
        (corpus.gif, "anim.gif", "image/gif"),
    ],
)
def test_images_are_reencoded_with_a_webp_thumbnail(
    client, visitor, settings, maker, name, content_type
):
    _contact, token, conversation = visitor
    data = maker()

    response = upload(client, token, conversation.pk, data, name=name)

    assert response.status_code == 201, response.content
    payload = response.json()
    assert set(payload) == {
        "id",
        "name",
        "content_type",
        "size",
        "url",
        "thumbnail_url",
        "width",
        "height",
    }
    attachment = Attachment.objects.get(pk=payload["id"])
    assert payload["name"] == name
    assert payload["content_type"] == content_type
    assert (payload["width"], payload["height"]) == Image.open(io.BytesIO(data)).size
    assert attachment.message is None and attachment.uploader_type == "visitor"
    # Generated names: nothing of the uploader's name in storage.
    assert name.split(".")[0] not in attachment.file.name
    assert len(stored_files(settings)) == 2
    response, body = fetch(client, payload["url"])
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert payload["size"] == len(body) == attachment.size
    assert Image.open(io.BytesIO(body)).format == Image.open(io.BytesIO(data)).format
    response, thumb = fetch(client, payload["thumbnail_url"])
    assert response["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(thumb)).format == "WEBP"
    import hashlib

    assert attachment.sha256 == hashlib.sha256(body).hexdigest()


def test_an_animated_gif_keeps_its_frames(client, visitor):
    _contact, token, conversation = visitor
    payload = upload(client, token, conversation.pk, corpus.gif(frames=3), name="a.gif").json()
    _response, body = fetch(client, payload["url"])
    assert Image.open(io.BytesIO(body)).n_frames == 3


def test_a_pdf_downloads_and_never_renders_inline(client, visitor):
    _contact, token, conversation = visitor
    data = corpus.pdf()

    payload = upload(client, token, conversation.pk, data, name="invoice.pdf").json()

    assert payload["content_type"] == "application/pdf"
    assert payload["thumbnail_url"] is None and payload["width"] is None
    response, body = fetch(client, payload["url"])
    assert body == data
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="invoice.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "script-src 'none'" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [("notes.txt", "Sipariş 42\n".encode(), "text/plain"), ("rows.csv", b"a,b\n1,2\n", "text/csv")],
)
def test_utf8_text_and_csv_download_as_text(client, visitor, name, data, content_type):
    _contact, token, conversation = visitor
    payload = upload(client, token, conversation.pk, data, name=name).json()
    assert payload["content_type"] == content_type
    response, body = fetch(client, payload["url"])
    assert body == data
    assert response["Content-Type"] == f"{content_type}; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")


def test_gps_exif_is_stripped_and_orientation_applied(client, visitor):
    _contact, token, conversation = visitor
    original = Image.open(io.BytesIO(corpus.jpeg_with_gps()))
    assert original.getexif().get_ifd(corpus.GPS_IFD)  # the corpus file really has GPS

    payload = upload(client, token, conversation.pk, corpus.jpeg_with_gps(), name="p.jpg").json()

    _response, body = fetch(client, payload["url"])
    stored = Image.open(io.BytesIO(body))
    assert dict(stored.getexif()) == {}
    assert b"DestekCam" not in body and b"Exif" not in body
    # Orientation 6 applied: 60×40 pixels stored as they are seen, 40×60.
    assert stored.size == (40, 60) == (payload["width"], payload["height"])


def test_a_hostile_file_name_is_sanitised_for_display(client, visitor):
    _contact, token, conversation = visitor
    name = "../../etc/\u202egnp.exe\x00\n"

    payload = upload(client, token, conversation.pk, corpus.png(), name=name).json()

    assert payload["name"] == "gnp.exe.png"
    attachment = Attachment.objects.get()
    assert ".." not in attachment.file.name and "etc" not in attachment.file.name


# --- the corpus: bad files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "status", "code"),
    [
        pytest.param(b"", "empty.png", 400, "empty_file", id="zero-byte"),
        pytest.param(corpus.bomb_png(), "bomb.png", 413, "image_too_large", id="bomb-64mp"),
        pytest.param(corpus.huge_header_png(), "b.png", 413, "image_too_large", id="bomb-10gp"),
        pytest.param(corpus.HTML, "page.png", 415, "unsupported_type", id="html-as-png"),
        pytest.param(corpus.HTML, "page.txt", 415, "unsupported_type", id="html-as-txt"),
        pytest.param(corpus.SVG, "logo.svg", 415, "unsupported_type", id="svg"),
        pytest.param(corpus.gif_js_polyglot(), "a.gif", 415, "unsupported_type", id="gif-js"),
        pytest.param(corpus.png_html_polyglot(), "a.png", 415, "unsupported_type", id="png-html"),
        pytest.param(corpus.png()[:60], "cut.png", 415, "unsupported_type", id="truncated-png"),
        pytest.param(b"%PDF-1.4\nno end", "x.pdf", 415, "unsupported_type", id="pdf-no-eof"),
        pytest.param(b"a\x00b", "nul.txt", 415, "unsupported_type", id="nul-in-text"),
        pytest.param(b"\xff\xfe\x00", "latin.csv", 415, "unsupported_type", id="not-utf8"),
        pytest.param(b"MZ\x90\x00binary", "setup.exe", 415, "unsupported_type", id="exe"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(
    client, visitor, settings, data, name, status, code
):
    _contact, token, conversation = visitor

    response = upload(client, token, conversation.pk, data, name=name)

    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["detail"]
    assert Attachment.objects.count() == 0
    assert stored_files(settings) == []


def test_an_oversized_file_is_413(client, visitor, settings):
    _contact, token, conversation = visitor
    settings.DESTEK = {**settings.DESTEK, "ATTACHMENT_MAX_BYTES": 50_000}
    data = b"a" * 50_001

    response = upload(client, token, conversation.pk, data, name="big.txt")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"
    assert stored_files(settings) == [] and Attachment.objects.count() == 0


def test_a_body_far_over_the_limit_is_refused_from_its_length(client, visitor, settings):
    _contact, token, conversation = visitor
    settings.DESTEK = {**settings.DESTEK, "ATTACHMENT_MAX_BYTES": 1_000}

    response = upload(client, token, conversation.pk, b"a" * 40_000, name="big.txt")

    assert response.status_code == 413
    assert stored_files(settings) == []


def test_the_default_limits_are_protocol_ones(settings):
    assert settings.DESTEK["ATTACHMENT_MAX_BYTES"] == 10 * 2**20
    assert settings.DESTEK["ATTACHMENT_MAX_IMAGE_PIXELS"] == 40_000_000


def test_a_real_file_just_under_ten_megabytes_is_accepted(client, visitor):
    _contact, token, conversation = visitor
    data = b"x" * (10 * 2**20 - 10) + b"\n"
    response = upload(client, token, conversation.pk, data, name="big.txt")
    assert response.status_code == 201
    response = upload(client, token, conversation.pk, data + b"0" * 20, name="big.txt")
    assert response.status_code == 413


def test_a_failed_database_write_removes_the_stored_files(client, visitor, settings, monkeypatch):
    _contact, token, conversation = visitor

    def broken_create(**kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(Attachment.objects, "create", broken_create)
    with pytest.raises(IntegrityError):
        upload(client, token, conversation.pk, corpus.png(), name="a.png")
    assert stored_files(settings) == []


def test_uploads_are_rate_limited_per_contact(client, visitor, settings):
    contact, token, conversation = visitor
    settings.DESTEK = {**settings.DESTEK, "ATTACHMENT_UPLOADS_PER_WINDOW": 2}
    other = factories.conversation(contact=contact)

    assert upload(client, token, conversation.pk, corpus.png()).status_code == 201
    assert upload(client, token, other.pk, corpus.png()).status_code == 201
    response = upload(client, token, other.pk, corpus.png())

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert len(stored_files(settings)) == 4  # two uploads, a file and a thumbnail each
    # Another visitor is not slowed down by this one.
    _c, token_b = factories.visitor()
    conversation_b = factories.conversation(contact=_c)
    assert upload(client, token_b, conversation_b.pk, corpus.png()).status_code == 201


def test_refused_uploads_count_towards_the_limit(client, visitor, settings):
    _contact, token, conversation = visitor
    settings.DESTEK = {**settings.DESTEK, "ATTACHMENT_UPLOADS_PER_WINDOW": 3}

    statuses = [upload(client, token, conversation.pk, corpus.HTML).status_code for _ in range(3)]
    statuses.append(upload(client, token, conversation.pk, corpus.png()).status_code)

    assert statuses == [415, 415, 415, 429]
    assert stored_files(settings) == []


def test_no_file_part_is_400(client, visitor):
    _contact, token, conversation = visitor
    response = client.post(
        f"{API}conversations/{conversation.pk}/attachments",
        {"other": "x"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "file_required"


def test_upload_needs_the_visitor_token_and_their_own_conversation(client, visitor, settings):
    _contact, _token, conversation = visitor
    _b, token_b = factories.visitor()

    assert upload(client, "", conversation.pk, corpus.png()).status_code == 401
    assert upload(client, token_b, conversation.pk, corpus.png()).status_code == 404
    assert stored_files(settings) == []


# --- sending: attach by id -----------------------------------------------------------------------


def png_and_pdf(client, token, conversation) -> tuple[dict, dict]:
    """The visitor's upload answers for a PNG (one.png) and a PDF (two.pdf), in that order."""
    png = upload(client, token, conversation.pk, corpus.png(), name="one.png").json()
    pdf = upload(client, token, conversation.pk, corpus.pdf(), name="two.pdf").json()
    return png, pdf


def test_a_message_carries_several_attachments_in_upload_order(client, visitor):
    _contact, token, conversation = visitor
    first, second = png_and_pdf(client, token, conversation)
    ids = [first["id"], second["id"]]

    response = send(client, token, conversation.pk, body="", client_id="c1", attachments=ids)

    assert response.status_code == 201, response.content
    message = response.json()
    assert [a["name"] for a in message["attachments"]] == ["one.png", "two.pdf"]
    assert message["body"] == ""
    # Files only: the inbox and the visitor's history name them.
    conversation.refresh_from_db()
    assert conversation.last_message_preview == "📎 one.png, two.pdf"
    listed = client.get(
        f"{API}conversations/{conversation.pk}/messages",
        {"after": message["id"] - 1},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    ).json()["messages"]
    assert [a["id"] for a in listed[0]["attachments"]] == ids
    # A retried send returns the first message, still with its files; the same client id
    # with other files is another message, refused.
    again = send(
        client, token, conversation.pk, client_id="c1", attachments=[second["id"], first["id"]]
    )
    assert again.status_code == 200 and again.json()["id"] == message["id"]
    other = send(client, token, conversation.pk, client_id="c1", attachments=[first["id"]])
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "client_id_reused"


def test_an_attachment_is_sent_once_only(client, visitor):
    _contact, token, conversation = visitor
    attachment = upload(client, token, conversation.pk, corpus.png()).json()
    assert send(client, token, conversation.pk, attachments=[attachment["id"]]).status_code == 201

    response = send(client, token, conversation.pk, body="again", attachments=[attachment["id"]])

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_attachments"
    assert not Message.objects.filter(body="again").exists()


def test_attachments_stay_in_their_conversation_and_with_their_uploader(client, visitor):
    contact, token, conversation = visitor
    other_conversation = factories.conversation(contact=contact)
    mine = upload(client, token, conversation.pk, corpus.png()).json()
    _b, token_b = factories.visitor()
    conversation_b = factories.conversation(contact=_b)
    agent = factories.agent()
    agents_file = attachment_services.attachment_upload(
        conversation=conversation,
        uploaded_file=named(corpus.png(), "agent.png"),
        uploader_type="agent",
        agent=agent.user,
    )

    refused = [
        send(client, token, other_conversation.pk, body="x", attachments=[mine["id"]]),
        send(client, token_b, conversation_b.pk, body="x", attachments=[mine["id"]]),
        send(client, token, conversation.pk, body="x", attachments=[agents_file.pk]),
        send(client, token, conversation.pk, body="x", attachments="5"),
    ]

    assert [r.status_code for r in refused] == [400, 400, 400, 400]
    assert Attachment.objects.filter(message__isnull=False).count() == 0
    assert not Message.objects.filter(body="x").exists()


def named(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


# --- serving and authorisation -------------------------------------------------------------------


def test_a_tampered_or_expired_url_fails(client, visitor, monkeypatch):
    _contact, token, conversation = visitor
    payload = upload(client, token, conversation.pk, corpus.png()).json()
    other = upload(client, token, conversation.pk, corpus.pdf(), name="b.pdf").json()
    assert client.get(payload["url"]).status_code == 200

    url = payload["url"]
    tampered = url[:-1] + ("A" if url[-1] != "A" else "B")
    assert client.get(tampered).status_code == 403
    forged = signing.dumps({"a": other["id"], "v": "file"}, salt="another-salt")
    assert client.get(f"/files/{forged}").status_code == 403

    # A URL made 16 minutes ago (the default lifetime is 15) has expired.
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - 16 * 60)
    old = file_urls.signed_url(Attachment.objects.get(pk=payload["id"]))
    monkeypatch.setattr(signing.time, "time", real_time)
    assert client.get(old).status_code == 403


def test_visitor_b_cannot_get_visitor_as_file(client, visitor):
    _contact, token, conversation = visitor
    payload = upload(client, token, conversation.pk, corpus.png()).json()
    _b, token_b = factories.visitor()
    path = f"{API}conversations/{conversation.pk}/attachments/{payload['id']}"

    own = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    other = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token_b}")

    assert own.status_code == 200 and own.json()["id"] == payload["id"]
    assert client.get(own.json()["url"]).status_code == 200  # a fresh URL
    assert other.status_code == 404
    assert client.get(path).status_code == 401


def test_agents_outside_the_team_cannot_open_the_file(visitor):
    contact, _token, _conversation = visitor
    team, elsewhere = factories.team(), factories.team()
    factories.topic(slug="billing", team=team)
    conversation = factories.conversation(contact=contact, topic_slug="billing")
    attachment = attachment_services.attachment_upload(
        conversation=conversation,
        uploaded_file=named(corpus.png(), "a.png"),
        uploader_type="visitor",
    )
    inside, outside = factories.agent(teams=[team]), factories.agent(teams=[elsewhere])
    path = f"/console/attachments/{attachment.pk}/file"

    allowed, denied = Client(), Client()
    allowed.force_login(inside.user)
    denied.force_login(outside.user)
    granted = allowed.get(path)
    assert granted.status_code == 302
    assert allowed.get(granted["Location"]).status_code == 200
    assert denied.get(path).status_code == 404
    assert denied.get(f"/console/attachments/{attachment.pk}/thumbnail").status_code == 404
    assert allowed.get(f"/console/attachments/{attachment.pk}/other").status_code == 404
    assert Client().get(path).status_code == 302  # to the login page
    assert "login" in Client().get(path)["Location"]


def test_agent_uploads_and_sends_from_the_console(client, visitor, settings):
    _contact, _token, conversation = visitor
    agent = factories.agent()
    client.force_login(agent.user)

    response = client.post(
        f"/console/conversations/{conversation.pk}/attachments",
        {"file": named(corpus.png(), "a.png")},
    )
    assert response.status_code == 201
    attachment_id = response.json()["id"]
    response = client.post(
        f"/console/conversations/{conversation.pk}/messages",
        {"body": "", "client_id": "a1", "attachments": [attachment_id]},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204
    message = Message.objects.get(client_id="a1")
    assert message.sender_type == "agent"
    assert list(message.attachments.values_list("id", flat=True)) == [attachment_id]
    page = client.get(f"/console/conversations/{conversation.pk}/").content.decode()
    assert f"/console/attachments/{attachment_id}/thumbnail" in page
    bad = client.post(
        f"/console/conversations/{conversation.pk}/attachments",
        {"file": named(corpus.HTML, "x.png")},
    )
    assert bad.status_code == 415 and bad.json()["error"]["code"] == "unsupported_type"


def test_the_console_conversation_page_has_no_query_per_attachment(
    client, visitor, django_assert_max_num_queries
):
    _contact, token, conversation = visitor
    agent = factories.supervisor()
    for n in range(6):
        ids = [
            upload(Client(), token, conversation.pk, corpus.png()).json()["id"] for _ in range(2)
        ]
        send(Client(), token, conversation.pk, body=f"m{n}", attachments=ids)
    client.force_login(agent.user)
    client.get(f"/console/conversations/{conversation.pk}/")
    with django_assert_max_num_queries(25):
        page = client.get(f"/console/conversations/{conversation.pk}/")
    assert page.content.decode().count('class="file-thumb"') == 12


def test_the_message_list_has_no_query_per_attachment(
    client, visitor, django_assert_max_num_queries
):
    _contact, token, conversation = visitor
    for n in range(5):
        ids = [upload(client, token, conversation.pk, corpus.png()).json()["id"] for _ in range(2)]
        send(client, token, conversation.pk, body=f"m{n}", attachments=ids)
    with django_assert_max_num_queries(6):
        listed = client.get(
            f"{API}conversations/{conversation.pk}/messages",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        ).json()["messages"]
    assert sum(len(m["attachments"]) for m in listed) == 10


# --- deletion ------------------------------------------------------------------------------------


def test_retention_deletes_the_files_with_their_conversations(
    client, settings, visitor, django_capture_on_commit_callbacks
):
    contact, token, conversation = visitor
    payload = upload(client, token, conversation.pk, corpus.png()).json()
    send(client, token, conversation.pk, body="see", attachments=[payload["id"]])
    kept = factories.conversation(contact=contact)
    kept_file = upload(client, token, kept.pk, corpus.pdf(), name="keep.pdf").json()
    send(client, token, kept.pk, body="keep", attachments=[kept_file["id"]])
    support_services.conversation_set_status(conversation=conversation, status="resolved")
    settings.DESTEK = {**settings.DESTEK, "RETENTION_DAYS": {"messages": 30}}
    assert len(stored_files(settings)) == 3

    with django_capture_on_commit_callbacks(execute=True):
        retention.retention_purge(now=timezone.now() + timedelta(days=31))

    assert list(Attachment.objects.values_list("id", flat=True)) == [kept_file["id"]]
    assert stored_files(settings) == [Attachment.objects.get().file.name]


def test_unsent_uploads_are_swept_after_a_day(
    client, settings, visitor, django_capture_on_commit_callbacks
):
    _contact, token, conversation = visitor
    upload(client, token, conversation.pk, corpus.png())
    with django_capture_on_commit_callbacks(execute=True):
        retention.retention_purge(now=timezone.now() + timedelta(hours=1))
    assert Attachment.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        retention.retention_purge(now=timezone.now() + timedelta(hours=25))
    assert Attachment.objects.count() == 0 and stored_files(settings) == []


def test_deleting_a_contacts_files_removes_them_from_storage(
    client, settings, visitor, django_capture_on_commit_callbacks
):
    contact, token, conversation = visitor
    upload(client, token, conversation.pk, corpus.png())
    other_contact, other_token = factories.visitor()
    other = factories.conversation(contact=other_contact)
    theirs = upload(client, other_token, other.pk, corpus.pdf(), name="b.pdf").json()

    with django_capture_on_commit_callbacks(execute=True):
        deleted = support_services.attachments_delete_for_contact(contact=contact)

    assert deleted == 1
    assert list(Attachment.objects.values_list("id", flat=True)) == [theirs["id"]]
    assert stored_files(settings) == [Attachment.objects.get().file.name]
    assert default_storage.exists(Attachment.objects.get().file.name)


# --- the console's thread ------------------------------------------------------------------------


def test_the_console_thread_shows_each_messages_files_and_asks_for_files_only_if_any(
    client, visitor
):
    _contact, token, conversation = visitor
    image, pdf = png_and_pdf(client, token, conversation)
    files = [image["id"], pdf["id"]]
    sent = send(client, token, conversation.pk, body="see", client_id="f1", attachments=files)
    with_files = sent.json()
    plain = send(client, token, conversation.pk, body="no files", client_id="f2").json()
    without_files = factories.conversation(body="nothing attached")
    console = Client()
    console.force_login(factories.supervisor().user)

    def page(conversation_id) -> tuple[str, int]:
        url = reverse("console:conversation", args=[conversation_id])
        console.get(url)
        with CaptureQueriesContext(connection) as queries:
            html = console.get(url).content.decode()
        files_read = [
            q for q in queries.captured_queries if q["sql"].startswith('SELECT "chat_attachment"')
        ]
        return html, len(files_read)

    def article(html, message_id) -> str:
        start = html.index(f'id="message-{message_id}"')
        return html[start : html.index("</article>", start)]

    html, files_queries = page(conversation.pk)
    assert files_queries == 1
    shown = article(html, with_files["id"])
    assert reverse("console:attachment_open", args=[image["id"], "file"]) in shown
    assert reverse("console:attachment_open", args=[image["id"], "thumbnail"]) in shown
    assert reverse("console:attachment_open", args=[pdf["id"], "file"]) in shown
    assert shown.index("one.png") < shown.index("two.pdf")
    assert "msg-files" not in article(html, plain["id"])
    assert page(without_files.pk)[1] == 0


def test_a_sent_messages_files_are_known_to_its_frame_with_no_query(client, visitor):
    """message_send hands its listeners the message with its files (none, or those it just
    attached): the frame built from it reads no attachment row."""
    _contact, token, conversation = visitor
    image, pdf = png_and_pdf(client, token, conversation)
    with_files, _ = support_services.visitor_message_send(
        conversation=conversation, body="see", attachments=[image["id"], pdf["id"]]
    )
    plain, _ = support_services.visitor_message_send(conversation=conversation, body="no files")

    with CaptureQueriesContext(connection) as queries:
        frames = [protocol.message_to_dict(m) for m in (with_files, plain)]

    assert queries.captured_queries == []
    assert [[a["id"] for a in f["attachments"]] for f in frames] == [
        [image["id"], pdf["id"]],
        [],
    ]
