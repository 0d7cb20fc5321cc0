"""Property-based robustness (hypothesis): malformed, oversized, wrongly typed and out-of-order
input at the widget HTTP API and both sockets, with lone surrogates, NUL and integers around
and past 64 bits. Never a 500, never a dead consumer, never a partial write (a refused send
leaves no message behind). CI runs it on PostgreSQL, where NUL fails; locally also SQLite."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.db import connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from support.models import Contact, Conversation, Message
from tests import factories
from tests.sockets import application, visitor_socket

from .world import build_world, route_url, site_routes

SETTINGS = hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same examples on every run: CI failures reproduce
)

# Text as JSON can carry it: st.text() never draws lone surrogates (category Cs), which a
# JSON escape ("\ud800") makes out of thin air, so they are drawn explicitly, with NUL and
# the other control characters (Cc), and mixed with a few known troublemakers.
NASTY_TEXTS = ["\ud800", "\udfff", "a\udc80b", "\x00", "a\x00b", "\ud83d", "x\ud800\x00y"]
nasty_characters = st.characters(codec=None, categories=["Cs", "Cc", "L", "N", "P", "S", "Zs"])
texts = (
    st.text(max_size=50)
    | st.text(alphabet=nasty_characters, max_size=20)
    | st.sampled_from(NASTY_TEXTS)
)
# Around the 64-bit bounds of ids, offsets and read marks, and far past them.
BOUNDARY_INTEGERS = [0, -1, 2**31, 2**63 - 1, 2**63, -(2**63), 2**64, 10**30]

# Any JSON value, including deep nesting, huge numbers and odd text.
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from(BOUNDARY_INTEGERS)
    | st.floats(allow_nan=False)
    | texts
    | st.sampled_from(["", "0", "-1", "urgent", "bot", "x" * 5000, "💥", "<script>"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=12) | texts, inner, max_size=4)
    ),
    max_leaves=12,
)
# Objects that look like what the endpoints expect, with wrong types and sizes mixed in.
FIELDS = [
    "body",
    "client_id",
    "topic",
    "priority_hint",
    "attachments",
    "action",
    "score",
    "comment",
    "helpful",
    "widget_key",
    "visitor_token",
    "identity",
    "contact",
    "device",
    "locale",
]
plausible_objects = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6)
bodies = (
    plausible_objects.map(lambda d: json.dumps(d).encode())
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=300)
    | st.just(b"{" * 5000)
    | st.just(json.dumps({"body": "x" * 100_000, "client_id": "big"}).encode())
)


def is_text(value: str) -> bool:
    return "\x00" not in value and not any("\ud800" <= ch <= "\udfff" for ch in value)


def counts():
    return (Message.objects.count(), Conversation.objects.count(), Contact.objects.count())


# --- HTTP -------------------------------------------------------------------------------


def widget_routes():
    return {n: r for n, r in site_routes().items() if n.startswith("widget_api:")}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(widget_routes()))
def test_widget_api_answers_garbage_with_a_clear_error(client, name):
    world = build_world()
    url = route_url(widget_routes()[name], world.params(name))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world.tokens['visitor_a']}"}

    @SETTINGS
    @given(
        body=bodies,
        method=st.sampled_from(["GET", "POST"]),
        query=st.sampled_from(
            [
                "",
                "?after=-1",
                "?after=x&limit=0",
                "?limit=99999",
                "?q=" + "a" * 999,
                "?offset=9223372036854775808",
                "?after=99999999999999999999999&limit=9223372036854775808",
                "?q=a%00b&topic=%00&lang=%00",
                "?offset=%00",
            ]
        ),
        content_type=st.sampled_from(["application/json", "text/plain", "multipart/form-data"]),
    )
    def check(body, method, query, content_type):
        before = counts()
        response = client.generic(method, url + query, body, content_type=content_type, **auth)
        assert response.status_code < 500
        if response.status_code >= 400 and response.status_code != 405:
            error = response.json()["error"]
            assert isinstance(error["code"], str) and isinstance(error["detail"], str)
            assert counts() == before  # a refused call wrote nothing
        else:
            messages, conversations, contacts = counts()
            assert messages - before[0] <= 4  # one message and at most its automatic replies
            assert conversations - before[1] <= 1 and contacts - before[2] <= 1

    check()


# --- Sockets ----------------------------------------------------------------------------


frame_types = st.sampled_from(
    ["subscribe", "message.send", "typing", "read", "ping", "auth", "watch", "nope", "", None, 7]
)
frames = st.one_of(
    st.fixed_dictionaries(
        {"type": frame_types},
        optional={
            "conversation": json_values,
            "after": json_values,
            "up_to": json_values,
            "body": json_values,
            "client_id": json_values,
            "state": json_values,
            "attachments": json_values,
            "action": json_values,
            "visitor_token": json_values,
        },
    ).map(json.dumps),
    json_values.map(json.dumps),
    st.text(min_size=1, max_size=200),
    st.just("x" * 70_000),
    st.just('{"type": "message.send"' * 1000),
)


@pytest.fixture
def generous_limits(settings, in_memory_layer):
    # High enough that frames reach the handlers rather than the rate limiter.
    settings.DESTEK = {**settings.DESTEK, "SOCKET_FRAMES_PER_WINDOW": 10_000}
    yield
    connections.close_all()


async def _visitor_run(token: str, own_conversation: int, sequence: list[str]) -> list[dict]:
    communicator = await visitor_socket(token)
    replies = []
    for text in sequence:
        await communicator.send_to(text_data=text.replace("OWN", str(own_conversation)))
    await communicator.send_json_to({"type": "ping"})
    while True:
        output = await communicator.receive_output(timeout=10)
        assert output["type"] == "websocket.send", f"the consumer closed: {output}"
        frame = json.loads(output["text"])
        replies.append(frame)
        if frame["type"] == "pong":
            break
    await communicator.disconnect()
    return replies


@pytest.mark.django_db(transaction=True)
def test_the_visitor_socket_survives_any_frames(generous_limits):
    world = build_world()
    token, own = world.tokens["visitor_a"], world.conversation.pk
    own_sends = st.fixed_dictionaries(
        {
            "type": st.just("message.send"),
            "conversation": st.sampled_from(["OWN", own, str(own), -1, 10**12, 2**63, 2**64]),
            "client_id": st.text(min_size=1, max_size=80) | texts,
            "body": texts | st.just("y" * 5000),
        }
    ).map(json.dumps)

    @SETTINGS
    @given(sequence=st.lists(frames | own_sends, min_size=1, max_size=12))
    def check(sequence):
        replies = async_to_sync(_visitor_run)(token, own, sequence)
        # No partial writes: a send answered with an error left no message with its id.
        refused = {r["client_id"] for r in replies if r["type"] == "error" and r["client_id"]}
        acknowledged = {r["message"]["client_id"] for r in replies if r["type"] == "message.new"}
        # A client_id that is not text was refused before anything (and cannot be queried).
        looked_up = {c for c in refused - acknowledged if is_text(c)}
        stored = set(
            Message.objects.filter(client_id__in=looked_up).values_list("client_id", flat=True)
        )
        assert stored == set()
        assert all(len(m) <= 4000 for m in Message.objects.values_list("body", flat=True))

    check()


async def _console_run(user, sequence: list[str]) -> None:
    communicator = WebsocketCommunicator(application, "/ws/console/")
    communicator.scope["user"] = user
    assert (await communicator.connect())[0]
    for text in sequence:
        await communicator.send_to(text_data=text)
    await communicator.send_to(text_data=json.dumps({"type": "ping"}))
    while True:
        output = await communicator.receive_output(timeout=10)
        assert output["type"] == "websocket.send", f"the consumer closed: {output}"
        if output["text"] == "<!-- pong -->":
            break
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
def test_the_console_socket_survives_any_frames(generous_limits):
    world = build_world()
    user = world.users["agent_outside_team"]
    messages_before = Message.objects.count()

    @SETTINGS
    @given(sequence=st.lists(frames, min_size=1, max_size=12))
    def check(sequence):
        async_to_sync(_console_run)(user, sequence)

    check()
    # Nothing an agent outside the team sends over the socket writes to visitor A's chat.
    assert Message.objects.count() == messages_before
    world.conversation.refresh_from_db()
    assert world.conversation.agent_last_read_id == 0


@pytest.mark.django_db(transaction=True)
def test_out_of_order_frames_before_auth_close_with_4401(generous_limits):
    @SETTINGS
    @given(first=frames.filter(lambda t: '"type": "auth"' not in t))
    def check(first):
        async def run():
            communicator = WebsocketCommunicator(application, "/ws/widget/")
            await communicator.connect()
            await communicator.send_to(text_data=first)
            output = await communicator.receive_output(timeout=5)
            await communicator.disconnect()
            return output

        output = async_to_sync(run)()
        if output["type"] == "websocket.send":
            # Malformed frames are answered before the auth gate, as any frame's shape is.
            code = json.loads(output["text"])["code"]
            assert code in ("bad_frame", "invalid_text", "invalid_input")
        else:
            assert output == {"type": "websocket.close", "code": 4401}

    factories.widget()
    check()
