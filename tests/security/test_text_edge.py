"""Text that is not text (lone surrogates, NUL) and numbers no column holds, at every edge:
the widget API, both sockets, the REST API, the host page's API, the console and inbound
email answer 400 / an error frame, store nothing and keep the socket open (support/edge.py).

NUL only breaks PostgreSQL, surrogates both databases: CI runs this file on PostgreSQL, and
it runs on SQLite without DATABASE_URL, so both are covered."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.db import connection, connections
from django.urls import reverse

from emails.views import inbound_signature
from integrations import exports
from integrations import services as integration_services
from support import edge
from support import services as support_services
from support.models import Contact, Conversation, Message
from tests import factories
from tests.factories import logged_in
from tests.sockets import application, visitor_socket

pytestmark = pytest.mark.django_db

API = "/api/widget/v1/"
SURROGATE, NUL = "\ud800", "\x00"
BAD_TEXTS = [SURROGATE, f"ab{NUL}c", "\udfff tail", f"x{SURROGATE}{NUL}"]


def counts():
    return (Message.objects.count(), Conversation.objects.count(), Contact.objects.count())


def post_json(client, path, data, **headers):
    # json.dumps writes a lone surrogate as the escape "\ud800": valid JSON, invalid text.
    return client.post(path, json.dumps(data), content_type="application/json", **headers)


def assert_refused(response, before, code="invalid_text"):
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["detail"]
    assert counts() == before


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# --- support.edge ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        SURROGATE,
        {"name": NUL},
        {SURROGATE: "key"},
        [1, [2, {"deep": ["\udc00"]}]],
        2**63,
        -(2**63),
        float("inf"),
    ],
)
def test_text_check_refuses_what_no_column_takes(value):
    with pytest.raises(edge.errors.InvalidInput):
        edge.text_check(value)


def test_text_check_accepts_real_text_and_64_bit_numbers():
    edge.text_check({"ad": "Ayşe 😀 \u200b", "n": [2**63 - 1, -(2**63 - 1), 1.5, True, None]})


def test_json_load_refuses_nan_and_infinity():
    for raw in (b'{"a": NaN}', b'{"a": Infinity}', b"[" * 100_000):
        with pytest.raises(edge.errors.InvalidInput) as refused:
            edge.json_load(raw)
        assert refused.value.code == "invalid_json"
    with pytest.raises(edge.errors.InvalidInput):
        edge.json_load(b'{"a": 1e999}')  # a float JSON allows, but no column holds


def test_int_param_bounds():
    assert edge.int_param(None, name="offset", default=0) == 0
    assert edge.int_param("12", name="offset", default=0) == 12
    for raw in ("9223372036854775808", "-1", "1.5", "x", "9" * 5000, True):
        with pytest.raises(edge.errors.InvalidInput):
            edge.int_param(raw, name="offset", default=0)
    assert edge.int_param(str(10**30), name="after", default=0, clamp=True) == edge.MAX_BIGINT


# Digits that str.isdigit() accepts and int() refuses ("²") or reads as another number ("١٢").
ODD_DIGITS = ["²", "١٢", "1²", "\uff11"]


def test_row_id_takes_ascii_digits_within_64_bits_only():
    assert edge.row_id("12") == 12
    assert edge.row_id(12) == 12
    assert edge.row_id(str(edge.MAX_BIGINT)) == edge.MAX_BIGINT
    for raw in [*ODD_DIGITS, "0", "-1", " 1", "1.5", "", None, True, 1.0, str(2**63), "9" * 5000]:
        assert edge.row_id(raw) is None, raw


def test_console_ids_with_odd_digits_are_refused_plainly():
    """Every console form and query that takes a row's id: never a 500, nothing written."""
    supervisor = factories.supervisor()
    conversation = factories.conversation()
    label = factories.label()
    console = logged_in(supervisor)
    before = counts()
    for odd in ODD_DIGITS:
        for params in ({"label": odd}, {"attr": odd, "attr_value": "x"}):
            assert console.get(reverse("console:inbox"), params).status_code == 200
        assert console.get(reverse("console:contacts"), {"page": odd}).status_code == 200
        earlier = console.get(
            reverse("console:conversation_messages_earlier", args=[conversation.pk]),
            {"before": odd},
        )
        assert earlier.status_code == 400
        labels = reverse("console:conversation_labels_change", args=[conversation.pk])
        assert console.post(labels, {"add": odd}).status_code == 400
        assert console.post(labels, {"remove": odd}).status_code == 400
        bulk = console.post(
            reverse("console:inbox_bulk"), {"action": "label", "label": odd, "ids": [odd]}
        )
        assert bulk.status_code == 302
        assert console.get(reverse("console:search"), {"q": f"#{odd}"}).status_code == 200
    assert counts() == before
    assert not conversation.labels.exists() and label.pk


def test_a_message_with_odd_digit_attachment_ids_is_refused():
    conversation = factories.conversation()
    for odd in ODD_DIGITS:
        with pytest.raises(edge.errors.InvalidInput) as refused:
            support_services.message_send(
                conversation=conversation, sender_type="bot", body="x", attachments=[odd]
            )
        assert refused.value.code == "invalid_attachments"


def test_text_scrub_makes_stored_bad_text_renderable():
    scrubbed = edge.text_scrub({SURROGATE: ["a\x00b", {"k": "\udfff"}], "n": 1})
    assert scrubbed == {"\ufffd": ["ab", {"k": "\ufffd"}], "n": 1}
    json.dumps(scrubbed, ensure_ascii=False).encode()


# --- Widget HTTP API -------------------------------------------------------------------------


def _session_payloads(widget, bad):
    # No host app can sign such an id (HMAC needs bytes): any hash, the text is refused first.
    identity = {"external_id": bad, "hash": "0" * 64}
    return {
        "contact.name": {"widget_key": widget.key, "contact": {"name": bad}},
        "contact.attributes value": {
            "widget_key": widget.key,
            "contact": {"attributes": {"a": bad}},
        },
        "contact.attributes key": {"widget_key": widget.key, "contact": {"attributes": {bad: 1}}},
        "device.model": {"widget_key": widget.key, "device": {"model": bad}},
        "locale": {"widget_key": widget.key, "locale": bad},
        "widget_key": {"widget_key": bad},
        "identity.external_id": {"widget_key": widget.key, "identity": identity},
    }


@pytest.mark.parametrize("bad", BAD_TEXTS)
@pytest.mark.parametrize(
    "field",
    [
        "contact.name",
        "contact.attributes value",
        "contact.attributes key",
        "device.model",
        "locale",
        "widget_key",
        "identity.external_id",
    ],
)
def test_session_refuses_bad_text_and_stores_nothing(client, field, bad):
    widget = factories.widget()
    before = counts()
    response = post_json(client, API + "session", _session_payloads(widget, bad)[field])
    assert_refused(response, before)


@pytest.mark.parametrize("bad", BAD_TEXTS)
@pytest.mark.parametrize("field", ["body", "client_id", "topic"])
def test_messages_refuse_bad_text_and_store_nothing(client, field, bad):
    contact, token = factories.visitor()
    conversation = factories.conversation(contact=contact)
    data = {"body": "Hello", "client_id": "c-1", field: bad}
    before = counts()
    assert_refused(post_json(client, API + "conversations", data, **bearer(token)), before)
    path = f"{API}conversations/{conversation.pk}/messages"
    assert_refused(post_json(client, path, data, **bearer(token)), before)


def test_query_strings_with_nul_or_numbers_past_64_bits_are_400(client):
    contact, token = factories.visitor()
    conversation = factories.conversation(contact=contact)
    before = counts()
    for path, code in [
        ("conversations?offset=9223372036854775808", "invalid_input"),
        ("conversations?limit=99999999999999999999999", "invalid_input"),
        ("conversations?offset=%00", "invalid_text"),
        ("faq?q=a%00b", "invalid_text"),
        ("faq?topic=%00", "invalid_text"),
        (f"conversations/{conversation.pk}/messages?after=%00", "invalid_text"),
    ]:
        assert_refused(client.get(API + path, **bearer(token)), before, code)
    # A cursor past every id is still "nothing newer" (docs/protocol.md), never an error.
    beyond = client.get(
        f"{API}conversations/{conversation.pk}/messages?after={10**30}", **bearer(token)
    )
    assert beyond.status_code == 200
    assert beyond.json() == {"messages": [], "has_more": False}


def test_session_with_real_unicode_still_works(client):
    widget = factories.widget()
    response = post_json(
        client,
        API + "session",
        {"widget_key": widget.key, "contact": {"name": "Ayşe 😀", "attributes": {"plan": "ü"}}},
    )
    assert response.status_code == 200
    assert Contact.objects.get().name == "Ayşe 😀"


# --- Host page API (proactive triggers) --------------------------------------------------------


@pytest.mark.parametrize("field", ["url", "visitor_id", "lang", "widget_key"])
def test_trigger_fire_refuses_bad_text(client, field):
    shop = "https://shop.example"
    trigger = factories.trigger(widget_obj=factories.widget(allowed_origins=[shop]))
    payload = {"widget_key": trigger.widget.key, "visitor_id": "visitor-0001", "url": "/"}
    payload[field] = SURROGATE
    response = client.post(
        f"{API}triggers/{trigger.pk}/fire",
        json.dumps(payload),
        content_type="text/plain",
        HTTP_ORIGIN=shop,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_text"
    assert not trigger.displays.exists()


# --- REST API --------------------------------------------------------------------------------


@pytest.fixture
def rest(client):
    token = integration_services.api_token_create(name="CRM", scope="write")[1]
    return {"headers": {"Authorization": f"Bearer {token}"}}


def test_rest_path_and_query_with_nul_are_400(client, rest):
    widget = factories.widget(key="shop")
    before = counts()
    response = client.put(
        "/api/v1/widgets/shop/contacts/u%00x/",
        {"name": "Ann"},
        content_type="application/json",
        **rest,
    )
    assert_refused(response, before)
    response = client.get("/api/v1/conversations/", {"contact": "a\x00"}, **rest)
    assert_refused(response, before)
    assert widget.contacts.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        {"name": SURROGATE},
        {"name": NUL},
        {"attributes": {"plan": SURROGATE}},
        {"attributes": {NUL: "x"}},
        {"locale": "\udc80"},
    ],
)
def test_rest_bodies_with_bad_text_are_400(client, rest, data):
    factories.widget(key="shop")
    before = counts()
    response = client.put(
        "/api/v1/widgets/shop/contacts/user-1/", data, content_type="application/json", **rest
    )
    assert_refused(response, before)


def test_rest_message_with_bad_text_is_400(client, rest):
    conversation = factories.conversation()
    before = counts()
    for data in (
        {"sender": "bot", "body": SURROGATE},
        {"sender": "bot", "body": "hi", "client_id": NUL},
    ):
        response = client.post(
            f"/api/v1/conversations/{conversation.pk}/messages/",
            data,
            content_type="application/json",
            **rest,
        )
        assert_refused(response, before)


# --- Sockets ---------------------------------------------------------------------------------


@pytest.fixture
def sockets(in_memory_layer):
    yield
    connections.close_all()


async def _visitor_sends(token: str, frames: list[dict]) -> list[dict]:
    communicator = await visitor_socket(token)
    replies = []
    for frame in frames:
        await communicator.send_to(text_data=json.dumps(frame))
        replies.append(await communicator.receive_json_from(timeout=5))
    await communicator.send_json_to({"type": "ping"})
    pong = await communicator.receive_output(timeout=5)
    assert pong["type"] == "websocket.send", f"the socket closed: {pong}"
    replies.append(json.loads(pong["text"]))
    await communicator.disconnect()
    return replies


@pytest.mark.django_db(transaction=True)
def test_visitor_socket_answers_bad_text_with_an_error_frame_and_stays_open(sockets):
    contact, token = factories.visitor()
    conversation = factories.conversation(contact=contact)
    before = counts()
    send = {"type": "message.send", "conversation": conversation.pk}
    frames = [
        {**send, "client_id": "c-1", "body": SURROGATE},
        {**send, "client_id": "c-2", "body": f"a{NUL}b"},
        {**send, "client_id": SURROGATE, "body": "hello"},
        {**send, "client_id": "c-3", "body": "hi", "action": {"type": "topic", "value": NUL}},
        {"type": "read", "conversation": conversation.pk, "up_to": 2**64},
        {"type": "subscribe", "conversation": 2**70},
    ]
    replies = async_to_sync(_visitor_sends)(token, frames)
    assert [r["type"] for r in replies] == ["error"] * len(frames) + ["pong"]
    codes = [r["code"] for r in replies[:-1]]
    assert codes == ["invalid_text"] * 4 + ["invalid_input"] * 2
    assert [r["client_id"] for r in replies[:3]] == ["c-1", "c-2", SURROGATE]
    assert counts() == before


async def _console_sends(user, frames: list[dict]) -> list[dict]:
    communicator = WebsocketCommunicator(application, "/ws/console/")
    communicator.scope["user"] = user
    assert (await communicator.connect())[0]
    replies = []
    for frame in frames:
        await communicator.send_to(text_data=json.dumps(frame))
        replies.append(json.loads(await communicator.receive_from(timeout=5)))
    await communicator.send_to(text_data=json.dumps({"type": "ping"}))
    pong = await communicator.receive_output(timeout=5)
    assert pong == {"type": "websocket.send", "text": "<!-- pong -->"} or pong.get("text", "")
    await communicator.disconnect()
    return replies


@pytest.mark.django_db(transaction=True)
def test_console_socket_refuses_an_agent_reply_with_bad_text(sockets):
    agent = factories.supervisor()
    conversation = factories.conversation()
    before = counts()
    frames = [
        {"type": "message.send", "conversation": conversation.pk, "client_id": "r1", "body": b}
        for b in (SURROGATE, NUL)
    ]
    replies = async_to_sync(_console_sends)(agent.user, frames)
    assert [(r["type"], r["code"], r["client_id"]) for r in replies] == [
        ("error", "invalid_text", "r1"),
        ("error", "invalid_text", "r1"),
    ]
    assert counts() == before


# --- Console ---------------------------------------------------------------------------------


def test_console_query_strings_and_forms_with_nul_are_400():
    agent = factories.supervisor()
    conversation = factories.conversation()
    console = logged_in(agent)
    before = counts()
    assert console.get(reverse("console:inbox"), {"topic": NUL}).status_code == 400
    assert console.get(reverse("console:inbox"), {"label": "1\x00"}).status_code == 400
    reply = console.post(
        reverse("console:conversation_message_send", args=[conversation.pk]), {"body": f"a{NUL}"}
    )
    assert reply.status_code == 400
    assert counts() == before


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL refuses such JSON: it was never stored"
)
def test_bad_text_stored_before_the_edge_check_still_renders():
    """SQLite's JSON columns kept lone surrogates written before this check: the console
    page, the contact panel and the CRM export show U+FFFD instead of failing."""
    agent = factories.supervisor()
    contact, _token = factories.visitor()
    conversation = factories.conversation(contact=contact)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE support_contact SET attributes = %s, device = %s WHERE id = %s",
            ['{"plan": "\\ud800x", "\\udc00": 1}', '{"model": "\\ud800", "os": "iOS"}', contact.pk],
        )
    console = logged_in(agent)
    page = console.get(reverse("console:conversation", args=[conversation.pk]))
    assert page.status_code == 200
    assert "\ufffdx" in page.content.decode()
    contacts_csv = "".join(exports.export_stream(kind="contacts", fmt="csv")).encode()
    assert "\ufffdx".encode() in contacts_csv
    conversations_json = "".join(exports.export_stream(kind="conversations", fmt="json"))
    json.loads(conversations_json)


# --- Inbound email ---------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["text", "from", "message_id"])
def test_inbound_email_with_bad_text_is_400(client, settings, field):
    settings.INBOUND_EMAIL_SECRET = "inbound-test-secret"
    data = {"from": "a@example.com", "to": "x@reply.example.com", "text": "hi", "message_id": "m"}
    data[field] = SURROGATE
    body = json.dumps(data).encode()
    before = counts()
    response = client.post(
        "/integrations/inbound-email/",
        data=body,
        content_type="application/json",
        HTTP_X_DESTEK_SIGNATURE=inbound_signature(body, "inbound-test-secret"),
    )
    assert_refused(response, before)


@pytest.mark.parametrize("path", ["/console/login/", "/admin/login/"])
def test_sign_in_with_nul_in_the_username_is_a_plain_refusal(client, path):
    response = client.post(path, {"username": "agent\x00", "password": "x"})
    assert response.status_code == 200  # the form again, with its error
    assert response.context["form"].errors


@pytest.mark.parametrize(
    "url",
    [
        "/widget/?key=%00",
        "/widget/?mode=app&widget_key=a%00",
        "/demo/?key=%00",
        "/demo/app/?key=%00",
    ],
)
def test_widget_and_demo_pages_with_nul_in_the_query_are_400(client, url):
    factories.widget(key="shop")
    assert client.get(url).status_code == 400


def test_a_webhook_payload_snapshotted_with_bad_text_still_goes_out():
    from integrations import services as webhook_services
    from integrations.models import WebhookDelivery

    delivery = WebhookDelivery(payload={"data": {"contact": {"attributes": {"plan": "a\ud800"}}}})
    body = json.loads(webhook_services.webhook_body(delivery))
    assert body["data"]["contact"]["attributes"]["plan"] == "a\ufffd"
