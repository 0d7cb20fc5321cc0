import re

import jsonschema
import pytest

from integrations import services
from integrations.models import ApiToken, WebhookDelivery
from support.models import Contact, Conversation, Message
from tests import factories
from tests.faq import factories as faq_factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def widget():
    return factories.widget(key="shop")


@pytest.fixture
def write_token():
    return services.api_token_create(name="CRM", scope="write")[1]


@pytest.fixture
def read_token():
    return services.api_token_create(name="Reports", scope="read")[1]


class Api:
    def __init__(self, client, token):
        self.client, self.token = client, token

    def _headers(self):
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path, **params):
        return self.client.get(f"/api/v1/{path}", params, headers=self._headers())

    def send(self, method, path, data=None):
        return getattr(self.client, method)(
            f"/api/v1/{path}", data or {}, content_type="application/json", headers=self._headers()
        )


@pytest.fixture
def api(client, write_token):
    return Api(client, write_token)


@pytest.fixture
def reader(client, read_token):
    return Api(client, read_token)


# --- Tokens and scopes -----------------------------------------------------------------------


def test_no_token_bad_token_and_revoked_token_are_401(client, widget, write_token):
    assert Api(client, "").get("conversations/").status_code == 401
    response = Api(client, "dtk_nope").get("conversations/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_invalid"
    assert response["WWW-Authenticate"].startswith("Bearer")
    ApiToken.objects.update(is_active=False)
    assert Api(client, write_token).get("conversations/").status_code == 401
    malformed = client.get("/api/v1/conversations/", headers={"Authorization": "Token x y"})
    assert malformed.status_code == 401


def test_only_the_hash_is_stored_and_last_use_is_recorded(api, write_token):
    token = ApiToken.objects.get(name="CRM")
    assert write_token not in (token.token_hash, token.prefix)
    assert write_token.startswith(token.prefix)
    assert token.last_used_at is None
    assert api.get("conversations/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_read_scope_reads_but_cannot_write(reader, widget):
    contact, _ = factories.visitor(widget_obj=widget, external_id="u-1")
    assert reader.get("widgets/shop/contacts/u-1/").status_code == 200
    response = reader.send("put", "widgets/shop/contacts/u-1/", {"name": "X"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    conversation = factories.conversation(contact=contact)
    for path, data in [
        (f"conversations/{conversation.pk}/resolve/", {}),
        (f"conversations/{conversation.pk}/messages/", {"body": "hi", "sender": "bot"}),
        ("conversations/", {"widget": "shop", "contact": "u-1", "body": "x"}),
    ]:
        assert reader.send("post", path, data).status_code == 403
    conversation.refresh_from_db()
    assert conversation.status != "resolved"
    contact.refresh_from_db()
    assert contact.name == ""


def test_a_widget_token_sees_only_its_widget(client, widget):
    other = factories.widget(key="other")
    mine = factories.conversation(contact=factories.visitor(widget_obj=widget)[0])
    theirs = factories.conversation(contact=factories.visitor(widget_obj=other)[0])
    factories.visitor(widget_obj=other, external_id="u-9")
    _token, raw = services.api_token_create(name="Shop", scope="write", widget=widget)
    api = Api(client, raw)
    ids = [c["id"] for c in api.get("conversations/").json()["results"]]
    assert ids == [mine.pk]
    assert api.get(f"conversations/{theirs.pk}/").status_code == 404
    assert api.get(f"conversations/{theirs.pk}/messages/").status_code == 404
    assert api.send("post", f"conversations/{theirs.pk}/resolve/").status_code == 404
    assert api.get("widgets/other/contacts/u-9/").status_code == 404
    assert api.send("put", "widgets/other/contacts/u-10/", {}).status_code == 404
    assert not Contact.objects.filter(external_id="u-10").exists()


def test_rate_limit_answers_429_in_json(api, settings):
    from django.core.cache import cache
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    cache.clear()
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {
        **api_settings.DEFAULT_THROTTLE_RATES,
        "api_token": "2/min",
    }
    try:
        assert api.get("ratings/").status_code == 200
        assert api.get("ratings/").status_code == 200
        response = api.get("ratings/")
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original
        cache.clear()
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert "Retry-After" in response


# --- Contacts --------------------------------------------------------------------------------


def test_put_creates_then_updates_a_contact_by_external_id(api, widget):
    response = api.send(
        "put",
        "widgets/shop/contacts/u-42/",
        {"name": "Ada", "email": "ada@example.com", "attributes": {"plan": "pro"}},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["external_id"] == "u-42"
    assert body["identified"] is True
    assert body["widget"] == "shop"

    response = api.send("patch", "widgets/shop/contacts/u-42/", {"attributes": {"seats": 3}})
    assert response.status_code == 200
    assert response.json()["attributes"] == {"plan": "pro", "seats": 3}
    assert response.json()["name"] == "Ada"
    contact = Contact.objects.get(external_id="u-42")
    assert "ada" in contact.search_text

    assert api.get("widgets/shop/contacts/u-42/").json()["email"] == "ada@example.com"
    # The widget's signed identity finds the same contact.
    same, _token = factories.visitor(widget_obj=widget, external_id="u-42")
    assert same.pk == contact.pk


def test_contact_errors_are_clear(api, widget):
    response = api.send("patch", "widgets/shop/contacts/nobody/", {"name": "x"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "contact_not_found"
    response = api.send("put", "widgets/shop/contacts/u-1/", {"email": "not-an-email"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert "email" in response.json()["error"]["fields"]
    response = api.send("put", "widgets/shop/contacts/u-1/", {"attributes": {"a": [1, 2]}})
    assert response.status_code == 400
    assert api.get("widgets/nope/contacts/u-1/").json()["error"]["code"] == "widget_not_found"
    bad_json = api.client.put(
        "/api/v1/widgets/shop/contacts/u-1/",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert bad_json.status_code == 400
    assert bad_json.json()["error"]["code"] == "invalid_json"
    assert not Contact.objects.filter(external_id="u-1").exists()


def test_contact_update_sends_the_webhook(api, widget, django_capture_on_commit_callbacks):
    from integrations.models import WebhookEndpoint

    WebhookEndpoint.objects.create(
        name="CRM", url="http://127.0.0.1:9/", events=["contact.updated"]
    )
    api.send("put", "widgets/shop/contacts/u-1/", {"name": "Ada"})
    api.send("put", "widgets/shop/contacts/u-1/", {"name": "Ada"})  # no change, no event
    deliveries = list(WebhookDelivery.objects.all())
    assert len(deliveries) == 1
    assert deliveries[0].payload["data"]["contact"]["name"] == "Ada"


# --- Conversations ---------------------------------------------------------------------------


@pytest.fixture
def contact(widget):
    return factories.visitor(widget_obj=widget, external_id="u-1")[0]


def test_create_a_conversation_on_behalf_of_a_contact(api, contact):
    data = {
        "widget": "shop",
        "contact": "u-1",
        "body": "My card was charged twice",
        "client_id": "c1",
    }
    response = api.send("post", "conversations/", data)
    assert response.status_code == 201
    conversation = response.json()
    assert conversation["contact"]["external_id"] == "u-1"
    assert conversation["status"] == "queued"
    messages = api.get(f"conversations/{conversation['id']}/messages/").json()["messages"]
    assert [(m["sender"]["type"], m["body"]) for m in messages] == [
        ("visitor", "My card was charged twice")
    ]
    again = api.send("post", "conversations/", data)
    assert again.status_code == 200
    assert again.json()["id"] == conversation["id"]
    assert Conversation.objects.count() == 1

    missing = api.send("post", "conversations/", {**data, "contact": "u-2"})
    assert missing.status_code == 404
    bad_topic = api.send("post", "conversations/", {**data, "client_id": "c2", "topic": "nope"})
    assert bad_topic.status_code == 404
    assert bad_topic.json()["error"]["code"] == "topic_not_found"


def test_list_filters_and_paginates(api, widget, contact, django_assert_max_num_queries):
    other = factories.visitor(widget_obj=widget, external_id="u-2")[0]
    agent = factories.agent()
    made = [factories.conversation(contact=contact) for _ in range(3)]
    made.append(factories.conversation(contact=other))
    factories.message(conversation=made[0], sender_type="agent", agent_user=agent.user)
    factories.resolved_conversation(contact=other)

    with django_assert_max_num_queries(4):
        page = api.get("conversations/", limit=2).json()
    assert [c["id"] for c in page["results"]] == sorted(
        (c.pk for c in Conversation.objects.all()), reverse=True
    )[:2]
    seen = [c["id"] for c in page["results"]]
    while page["next"]:
        page = api.client.get(page["next"], headers=api._headers()).json()
        seen += [c["id"] for c in page["results"]]
    assert sorted(seen) == sorted(Conversation.objects.values_list("id", flat=True))

    by_contact = api.get("conversations/", contact="u-2").json()["results"]
    assert len(by_contact) == 2
    resolved = api.get("conversations/", status="resolved").json()["results"]
    assert [c["status"] for c in resolved] == ["resolved"]
    assigned = api.get("conversations/", assignee=agent.user_id).json()["results"]
    assert [c["id"] for c in assigned] == [made[0].pk]
    assert assigned[0]["assignee"]["id"] == agent.user_id
    assert api.get("conversations/", created_after="2999-01-01T00:00:00Z").json()["results"] == []
    response = api.get("conversations/", status="bogus")
    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]


def test_list_query_count_does_not_grow(api, widget, django_assert_max_num_queries):
    for n in range(6):
        contact = factories.visitor(widget_obj=widget, external_id=f"u-{n}")[0]
        conversation = factories.resolved_conversation(contact=contact)
        from ratings import services as rating_services

        rating_services.rating_submit(conversation=conversation, score=4)
    with django_assert_max_num_queries(4):
        assert len(api.get("conversations/").json()["results"]) == 6
    with django_assert_max_num_queries(4):
        assert len(api.get("ratings/").json()["results"]) == 6


def test_assign_resolve_and_post_messages(api, contact):
    conversation = factories.conversation(contact=contact)
    agent = factories.agent(display_name="Ayşe")

    response = api.send(
        "post", f"conversations/{conversation.pk}/assign/", {"agent": agent.user_id}
    )
    assert response.status_code == 200
    assert response.json()["assignee"] == {"id": agent.user_id, "name": "Ayşe"}
    assert response.json()["status"] == "open"

    not_agent = api.send("post", f"conversations/{conversation.pk}/assign/", {"agent": 999999})
    assert not_agent.status_code == 404
    assert not_agent.json()["error"]["code"] == "agent_not_found"

    response = api.send(
        "post",
        f"conversations/{conversation.pk}/messages/",
        {"body": "Refunded!", "sender": "agent", "agent": agent.user_id, "client_id": "r1"},
    )
    assert response.status_code == 201
    message = response.json()
    assert message["sender"] == {"type": "agent", "agent": {"id": agent.user_id, "name": "Ayşe"}}
    repeat = api.send(
        "post",
        f"conversations/{conversation.pk}/messages/",
        {"body": "Refunded!", "sender": "agent", "agent": agent.user_id, "client_id": "r1"},
    )
    assert repeat.status_code == 200
    assert repeat.json()["id"] == message["id"]

    bot = api.send(
        "post", f"conversations/{conversation.pk}/messages/", {"body": "Beep", "sender": "bot"}
    )
    assert bot.status_code == 201
    assert bot.json()["sender"]["type"] == "bot"
    no_agent = api.send("post", f"conversations/{conversation.pk}/messages/", {"body": "x"})
    assert no_agent.status_code == 400
    assert "agent" in no_agent.json()["error"]["fields"]
    empty = api.send(
        "post", f"conversations/{conversation.pk}/messages/", {"body": "", "sender": "bot"}
    )
    assert empty.status_code == 400

    after = api.get(f"conversations/{conversation.pk}/messages/", after=message["id"]).json()
    assert [m["body"] for m in after["messages"]] == ["Beep"]
    assert after["has_more"] is False
    first = api.get(f"conversations/{conversation.pk}/messages/", limit=1).json()
    assert first["has_more"] is True

    response = api.send(
        "post", f"conversations/{conversation.pk}/resolve/", {"agent": agent.user_id}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "resolved"
    assert Message.objects.filter(conversation=conversation, sender_type="system").exists()
    # Assigning a resolved conversation is a conflict, said clearly.
    conflict = api.send(
        "post", f"conversations/{conversation.pk}/assign/", {"agent": agent.user_id}
    )
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "resolved"


def test_resolve_without_an_agent(api, contact):
    conversation = factories.conversation(contact=contact)
    response = api.send("post", f"conversations/{conversation.pk}/resolve/")
    assert response.status_code == 200
    assert response.json()["status"] == "resolved"
    assert api.get("conversations/999999/").status_code == 404


# --- Ratings and articles --------------------------------------------------------------------


def test_ratings_list(api, contact):
    from ratings import services as rating_services

    conversation = factories.resolved_conversation(contact=contact)
    rating_services.rating_submit(conversation=conversation, score=2, comment="Slow")
    results = api.get("ratings/").json()["results"]
    assert [(r["conversation"], r["score"], r["comment"]) for r in results] == [
        (conversation.pk, 2, "Slow")
    ]


def test_articles_list_and_get_only_published(api):
    category = faq_factories.category()
    published = faq_factories.article(category_obj=category, title="Refunds", language="en")
    draft = faq_factories.article(category_obj=category, title="Draft", is_published=False)
    results = api.get("faq/articles/").json()["results"]
    assert [a["id"] for a in results] == [published.pk]
    assert results[0]["url"].endswith(published.get_absolute_url())
    assert api.get(f"faq/articles/{published.pk}/").json()["title"] == "Refunds"
    assert api.get(f"faq/articles/{draft.pk}/").status_code == 404
    assert api.get("faq/articles/", language="tr").json()["results"] == []


# --- The schema and the docs page ------------------------------------------------------------


def test_schema_and_docs_are_served_without_a_token_and_within_the_csp(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert b"/api/v1/conversations/" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "<script>" not in html  # the start-up script is a separate, same-origin file
    assert "script-src 'self'" in docs["Content-Security-Policy"]
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


# --- What the schema forbids is refused (an outside schemathesis run, issue 27) -------------


@pytest.mark.parametrize(
    "path", ["conversations/", "ratings/", "faq/articles/", "conversations/1/messages/"]
)
def test_an_empty_query_parameter_is_refused_not_ignored(api, contact, path):
    conversation = factories.conversation(contact=contact)
    path = path.replace("/1/", f"/{conversation.pk}/")
    name = {
        "conversations/": "updated_after",
        "ratings/": "created_after",
        "faq/articles/": "language",
    }.get(path, "after")

    response = api.get(path, **{name: ""})

    assert response.status_code == 400
    assert name in response.json()["error"]["fields"]
    # A blank text filter is a value the schema allows: no filter.
    if path == "conversations/":
        assert api.get(path, widget="", contact="").status_code == 200


def test_json_bodies_are_typed_as_the_schema_says(api, contact):
    conversation = factories.conversation(contact=contact)
    agent = factories.agent()
    messages = f"conversations/{conversation.pk}/messages/"
    for wrong in (
        {"body": "Hi", "agent": agent.user_id, "client_id": 0},
        {"body": 0, "agent": agent.user_id},
        {"body": "Hi", "agent": str(agent.user_id)},
        {"body": "   ", "agent": agent.user_id},
        {"body": "Hi\x00", "agent": agent.user_id},
    ):
        response = api.send("post", messages, wrong)
        assert response.status_code == 400, wrong
    assert not Message.objects.filter(conversation=conversation, sender_type="agent").exists()
    put = api.send("put", f"widgets/{contact.widget.key}/contacts/u-9/", {"name": 7})
    assert put.status_code == 400
    assert "name" in put.json()["error"]["fields"]


def test_names_in_a_body_that_name_nothing_are_404(api, contact):
    conversation = factories.conversation(contact=contact)
    for path, data in (
        ("assign/", {"agent": 2**63 - 2}),
        ("resolve/", {"agent": 2**63 - 2}),
        ("messages/", {"body": "Hi", "agent": 2**63 - 2}),
    ):
        response = api.send("post", f"conversations/{conversation.pk}/{path}", data)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "agent_not_found"
    conversation.refresh_from_db()
    assert conversation.status != Conversation.Status.RESOLVED


def test_unknown_fields_in_a_body_are_refused_by_name(api, contact):
    """A misspelt or invented field is an error the caller sees, not silently dropped (the
    schema: additionalProperties false)."""
    conversation = factories.conversation(contact=contact)
    agent = factories.agent().user_id
    before = (Conversation.objects.count(), Message.objects.count())
    widget, one = contact.widget.key, f"conversations/{conversation.pk}/"
    for method, path, data, unknown in (
        ("post", "conversations/", {"widget": widget, "contact": "u-1", "topc": "x"}, "topc"),
        ("post", f"{one}resolve/", {"agent": agent, "note": "Done"}, "note"),
        ("post", f"{one}resolve/", {"silently": True}, "silently"),
        ("post", f"{one}assign/", {"agent": agent, "team": "sales"}, "team"),
        ("post", f"{one}messages/", {"body": "Hi", "agent": agent, "html": "<b>"}, "html"),
        # The bot's shape has no agent.
        ("post", f"{one}messages/", {"body": "Hi", "sender": "bot", "agent": agent}, "agent"),
        ("put", f"widgets/{widget}/contacts/u-7/", {"name": "Ada", "plan": "pro"}, "plan"),
        ("patch", f"widgets/{widget}/contacts/{contact.external_id}/", {"nmae": "Ada"}, "nmae"),
    ):
        response = api.send(method, path, data)
        assert response.status_code == 400, data
        error = response.json()["error"]
        assert error["code"] == "invalid_input"
        assert list(error["fields"]) == [unknown], error
    # Unknown fields and a wrong one, all named at once.
    response = api.send("post", "conversations/", {"widget": widget, "contact": 5, "a": 1, "b": 2})
    assert set(response.json()["error"]["fields"]) == {"contact", "a", "b"}
    assert (Conversation.objects.count(), Message.objects.count()) == before
    conversation.refresh_from_db()
    assert conversation.status != Conversation.Status.RESOLVED
    assert conversation.assignee is None
    assert not Contact.objects.filter(external_id="u-7").exists()
    contact.refresh_from_db()
    assert contact.name != "Ada"


def test_the_schema_says_what_is_refused_and_links_what_is_created(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    message = schema["paths"]["/api/v1/conversations/{conversation_id}/messages/"]["post"]
    assert message["requestBody"]["required"] is True
    shapes = components["MessageCreateRequest"]["oneOf"]
    agent, bot = (components[shape["$ref"].rsplit("/", 1)[1]] for shape in shapes)
    assert "agent" in agent["required"] and "sender" in bot["required"]
    # Every request body is closed: an unknown field is refused, so the schema forbids it.
    bodies = [name for name in components if name.endswith("Request")]
    assert {"ContactInputRequest", "ResolveRequest", "AgentMessageCreateRequest"} <= set(bodies)
    for name in bodies:
        if name != "MessageCreateRequest":  # one of two closed shapes
            assert components[name]["additionalProperties"] is False, name
    # Attributes: the schema forbids the NUL characters the server refuses (invalid_text).
    attributes = jsonschema.Draft7Validator(
        components["ContactInputRequest"]["properties"]["attributes"]
    )
    assert attributes.is_valid({"plan": "", " ": "pro", "seats": 3})
    assert not attributes.is_valid({"\x00": "pro"})
    assert not attributes.is_valid({"plan": "pro\x00"})
    # A text that may be blank: "" is exactly one of the two shapes.
    widget = next(
        p for p in schema["paths"]["/api/v1/ratings/"]["get"]["parameters"] if p["name"] == "widget"
    )
    assert [
        re.fullmatch(one.get("pattern", "^$")[1:-1], "") is not None
        for one in widget["schema"]["oneOf"]
    ] == [False, True]
    contact = schema["paths"]["/api/v1/widgets/{widget_key}/contacts/{external_id}/"]
    assert set(contact["put"]["responses"]["201"]["links"]) == {
        "contact_get",
        "contact_patch",
        "conversation_create",
    }
    created = schema["paths"]["/api/v1/conversations/"]["post"]["responses"]["201"]["links"]
    assert created["message_create"]["parameters"] == {"conversation_id": "$response.body#/id"}
