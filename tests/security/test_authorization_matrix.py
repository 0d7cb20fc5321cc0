"""Authorisation matrix: every role × every URL of the site × every method it accepts.

The URLs come from the URL conf, so a new endpoint fails `test_every_endpoint_is_in_the_matrix`
until someone writes down, in MATRIX, who may call it. One line per endpoint:

    "console:report_export": {"GET": SUPERVISORS},

The world (tests/security/world.py): visitor A's conversation is routed to team T and assigned
to `assigned_agent` (who is not in T); `agent_in_team` is in T, `agent_outside_team` is not;
`supervisor` is a supervisor agent; `staff` is a superuser with no agent profile.
"""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests import sockets

from .world import ROLES, World, build_world, route_url, site_routes

pytestmark = pytest.mark.django_db

EVERYONE = frozenset(ROLES)
VISITORS = frozenset({"visitor_a", "visitor_b"})
OWNER = frozenset({"visitor_a"})  # visitor A owns the conversation in the URL
AGENTS = frozenset({"agent_in_team", "agent_outside_team", "assigned_agent", "supervisor"})
# Who may open visitor A's conversation in the console: its team, its assignee, supervisors.
CONVERSATION_AGENTS = frozenset({"agent_in_team", "assigned_agent", "supervisor"})
SUPERVISORS = frozenset({"supervisor"})
NOBODY: frozenset = frozenset()
PROBE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PUBLIC_ANY_METHOD = dict.fromkeys(PROBE_METHODS, EVERYONE)

# URL name → {HTTP method: roles allowed}. Every other role must be refused.
MATRIX: dict[str, dict[str, frozenset]] = {
    "/": PUBLIC_ANY_METHOD,  # a redirect to /demo/
    "demo": {"GET": EVERYONE},
    "demo_app": {"GET": EVERYONE},
    "widget": {"GET": EVERYONE},
    "set_language": PUBLIC_ANY_METHOD,  # Django's: a redirect with a language cookie
    "rating_link": {"GET": EVERYONE, "POST": EVERYONE},  # the signed link is the credential
    "faq:index": {"GET": EVERYONE},
    "faq:search": {"GET": EVERYONE},
    "faq:category": {"GET": EVERYONE},
    "faq:article": {"GET": EVERYONE},
    "faq:article_feedback": {"POST": EVERYONE},
    "console:login": {"GET": EVERYONE, "POST": EVERYONE, "PUT": EVERYONE},
    "console:logout": {"POST": EVERYONE},
    "console:inbox": {"GET": AGENTS},
    "console:inbox_counts": {"GET": AGENTS},
    "console:presence_change": {"POST": AGENTS},
    "console:language_change": {"POST": AGENTS},
    "console:search": {"GET": AGENTS},
    "console:privacy": {
        "GET": SUPERVISORS
    },  # results are access-checked: tests/support search tests
    "console:conversation": {"GET": CONVERSATION_AGENTS},
    "console:conversation_message_send": {"POST": CONVERSATION_AGENTS},
    "console:conversation_messages_earlier": {"GET": CONVERSATION_AGENTS},
    "console:contact_edit": {"GET": CONVERSATION_AGENTS, "POST": CONVERSATION_AGENTS},
    "console:conversation_assign": {"POST": CONVERSATION_AGENTS},
    "console:conversation_transfer": {"POST": CONVERSATION_AGENTS},
    "console:conversation_priority_change": {"POST": CONVERSATION_AGENTS},
    "console:conversation_status_change": {"POST": CONVERSATION_AGENTS},
    "console:conversation_context_cards": {"GET": CONVERSATION_AGENTS},
    "console:conversation_attributes": {"GET": CONVERSATION_AGENTS, "POST": CONVERSATION_AGENTS},
    # Contacts: the list shows only contacts with a conversation the agent may see; a contact's
    # page likewise; merging two contacts is a supervisor's (tests/console/test_contacts.py).
    "console:contacts": {"GET": AGENTS},
    "console:contact": {"GET": CONVERSATION_AGENTS},
    "console:contact_merge": {"POST": SUPERVISORS},
    # A received mail's original: none in this world; tests/emails check who may open one.
    "console:mail_original": {"GET": NOBODY},
    # Reports: every agent may open them; agents get only their own figures (tests/support/
    # test_report_views.py checks what each one sees).
    "console:reports": {"GET": AGENTS},
    "console:report_csv": {"GET": AGENTS},
    "console:conversation_note_create": {"POST": CONVERSATION_AGENTS},
    "console:conversation_labels_change": {"POST": CONVERSATION_AGENTS},
    # Both the conversation and the reply must be visible: the reply is team T's, and the
    # assigned agent is not in T.
    "console:conversation_canned_render": {"GET": frozenset({"agent_in_team", "supervisor"})},
    "console:canned_list": {"GET": AGENTS, "POST": AGENTS},
    "console:canned_edit": {"GET": SUPERVISORS, "POST": SUPERVISORS},  # a team reply
    # Issue 24's actions. Bulk: every agent may post; each row is checked against what the
    # agent may see (tests/console/test_bulk_snooze.py). Blocks: any agent who sees the
    # conversation blocks, supervisors list and lift (tests/support/test_blocks.py). The
    # message in the URL is visitor A's: no agent may edit it, visitor A may delete it
    # (tests/support/test_message_edits.py covers the authors). Macro 0 does not exist
    # (tests/console/test_macros.py covers who runs and manages which).
    "console:inbox_bulk": {"POST": AGENTS},
    "console:conversation_snooze": {"POST": CONVERSATION_AGENTS},
    "console:conversation_block": {"POST": CONVERSATION_AGENTS},
    "console:block_list": {"GET": SUPERVISORS},
    "console:block_lift": {"POST": NOBODY},
    "console:message_edit": {"POST": NOBODY},
    "console:message_delete": {"POST": NOBODY},
    "console:macro_list": {"GET": AGENTS, "POST": AGENTS},
    "console:macro_edit": {"GET": NOBODY, "POST": NOBODY},
    "console:conversation_macro_menu": {"GET": CONVERSATION_AGENTS},
    "console:conversation_macro_run": {"POST": NOBODY},
    "widget_api:conversation_message_delete": {"DELETE": OWNER},
    "widget_api:session": {"POST": EVERYONE},
    # The host page's API: no visitor token; the page's Origin is checked (tests/proactive).
    "host_api:config": {"GET": EVERYONE},
    "host_api:trigger_fire": {"POST": EVERYONE},
    "widget_api:session_end": {"POST": VISITORS},
    "widget_contact_email": {"POST": VISITORS},
    # Inbound email: no session role; the body's HMAC signature is the credential (tests/emails).
    "inbound_email": {"POST": frozenset()},
    # A support address's raw-mail webhook: its shared secret header is the credential.
    "mailbox_inbound": {"POST": frozenset()},
    # The demo shop's context-card endpoint: the request's HMAC signature is the credential
    # (tests/integrations/test_demo_context.py); without the demo it is a 404.
    "demo_context_cards": {"POST": frozenset()},
    "widget_api:faq": {"GET": VISITORS},
    "widget_api:faq_article": {"GET": VISITORS},
    "widget_api:faq_article_feedback": {"POST": VISITORS},
    "widget_api:conversations": {"GET": VISITORS, "POST": VISITORS},
    "widget_api:conversation_messages": {"GET": OWNER, "POST": OWNER},
    "widget_api:conversation_reopen": {"POST": OWNER},
    "widget_api:conversation_context": {"POST": OWNER},
    "widget_api:conversation_rating": {"POST": OWNER},
    "widget_api:conversation_attachments": {"POST": OWNER},
    "widget_api:conversation_attachment": {"GET": OWNER},
    "console:conversation_attachment_upload": {"POST": CONVERSATION_AGENTS},
    # A channel's failed send, sent again (409 when it did not fail: still "allowed").
    "console:message_delivery_retry": {"POST": CONVERSATION_AGENTS},
    # WhatsApp: Meta's webhook has no session role; its verify token (GET) and the body's
    # HMAC signature (POST) are the credentials (tests/whatsapp/test_webhook.py).
    "whatsapp:webhook": {"GET": NOBODY, "POST": NOBODY},
    "whatsapp:template_send": {"POST": CONVERSATION_AGENTS},
    # The demo's pretend phone and Graph API exist only with DESTEK_DEMO=1 (off here).
    "whatsapp_demo_phone": {"GET": NOBODY, "POST": NOBODY},
    "whatsapp:demo_graph_messages": {"POST": NOBODY},
    "whatsapp:demo_graph_media": {"POST": NOBODY},
    "console:attachment_open": {"GET": CONVERSATION_AGENTS},
    "attachment_file": {"GET": EVERYONE},  # the short-lived signed token is the credential
    "widget_files_texts": {"GET": EVERYONE},
    "widget_faq_texts": {"GET": EVERYONE},
    "widget_history_texts": {"GET": EVERYONE},
    "widget_prechat_texts": {"GET": EVERYONE},
    "widget_rating_texts": {"GET": EVERYONE},
    "widget_status_texts": {"GET": EVERYONE},
    # Alerts: each agent's own preferences and push subscriptions; the service worker is a
    # static script (its scope is the console), public like the console's other static files.
    "console:alerts": {"GET": AGENTS, "POST": AGENTS},
    "console:push_subscribe": {"POST": AGENTS},
    "console:push_unsubscribe": {"POST": AGENTS},
    "console:service_worker": {"GET": EVERYONE},
    # Settings: supervisors only (the views check the role after agent_required).
    "console:settings": {"GET": SUPERVISORS},
    "console:widget_appearance": {"POST": SUPERVISORS},
    "console:retention_update": {"POST": SUPERVISORS},
    "console:label_add": {"POST": SUPERVISORS},
    "console:label_remove": {"POST": SUPERVISORS},
    "console:settings_teams": {"GET": SUPERVISORS, "POST": SUPERVISORS},
    "console:settings_team": {"GET": SUPERVISORS, "POST": SUPERVISORS},
    "console:settings_team_delete": {"POST": SUPERVISORS},
    "console:settings_team_member_add": {"POST": SUPERVISORS},
    "console:settings_team_member_remove": {"POST": SUPERVISORS},
    "console:settings_team_hours": {"GET": SUPERVISORS, "POST": SUPERVISORS},
    "console:settings_team_holiday_add": {"POST": SUPERVISORS},
    "console:settings_team_holiday_delete": {"POST": SUPERVISORS},
    "console:settings_topics": {"GET": SUPERVISORS, "POST": SUPERVISORS},
    "console:settings_topic": {"GET": SUPERVISORS, "POST": SUPERVISORS},
    "console:settings_topic_delete": {"POST": SUPERVISORS},
    "console:settings_targets": {"GET": SUPERVISORS, "POST": SUPERVISORS},
    # The REST API for host-app servers takes API tokens only (tests/integrations/test_api.py
    # covers tokens and scopes): every role here, visitor tokens and sessions included, is
    # refused. Its schema and docs are public.
    "api:contact": {"GET": NOBODY, "PUT": NOBODY, "PATCH": NOBODY},
    "api:conversations": {"GET": NOBODY, "POST": NOBODY},
    "api:conversation": {"GET": NOBODY},
    "api:conversation-assign": {"POST": NOBODY},
    "api:conversation-resolve": {"POST": NOBODY},
    "api:messages": {"GET": NOBODY, "POST": NOBODY},
    "api:ratings": {"GET": NOBODY},
    "api:articles": {"GET": NOBODY},
    "api:article": {"GET": NOBODY},
    "api:not_found": dict.fromkeys(PROBE_METHODS, NOBODY),  # a JSON 404 for anything else
    "api:schema": {"GET": EVERYONE},
    "api:docs": {"GET": EVERYONE},
}

# Admin: model admins open to these roles (view); all others only to staff.
ADMIN_MODEL_ACCESS: dict[str, frozenset] = {}


def allowed_methods(client, url: str) -> set[str]:
    """The methods a view answers: whatever does not come back 405."""
    methods = set()
    for method in PROBE_METHODS:
        response = client.generic(method, url)
        if response.status_code != 405:
            methods.add(method)
    return methods


def is_refused(response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    location = response.get("Location", "") if response.status_code == 302 else ""
    return location.startswith((reverse("console:login"), reverse("admin:login")))


def call(client, world: World, role: str, method: str, url: str):
    headers = {}
    if role in world.tokens:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {world.tokens[role]}"
    elif role in world.users:
        client.force_login(world.users[role])
    if url.startswith("/api/"):
        return client.generic(method, url, b"{}", content_type="application/json", **headers)
    return client.generic(method, url, **headers)


def test_every_endpoint_is_in_the_matrix():
    missing = sorted(set(site_routes()) - set(MATRIX))
    assert not missing, f"add these URL names to MATRIX with the roles allowed: {missing}"
    stale = sorted(set(MATRIX) - set(site_routes()))
    assert not stale, f"these MATRIX entries name no URL any more: {stale}"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_the_methods_each_endpoint_answers_are_in_the_matrix(client, name):
    world = build_world()
    url = route_url(site_routes()[name], world.params(name))
    answered = allowed_methods(client, url)
    assert answered <= set(MATRIX[name]), (
        f"{name} answers {sorted(answered)}; add the missing methods to MATRIX"
    )


CELLS = [(name, method) for name in sorted(MATRIX) for method in MATRIX[name]]


@pytest.mark.parametrize(("name", "method"), CELLS)
def test_matrix_row(name, method):
    """One endpoint and method, every role; each role's call is rolled back afterwards."""
    world = build_world()
    url = route_url(site_routes()[name], world.params(name))
    allowed = MATRIX[name][method]
    outcomes = {}
    for role in ROLES:
        with transaction.atomic():
            response = call(Client(), world, role, method, url)
            transaction.set_rollback(True)
        assert response.status_code < 500, f"{role} {method} {url}: {response.status_code}"
        if allowed == EVERYONE:
            continue  # public: nothing to refuse (logout, for one, redirects to the login)
        outcomes[role] = (
            "refused" if is_refused(response) else "allowed",
            response.status_code,
            response.get("Location", ""),
        )
    wrong = {
        role: outcome
        for role, outcome in outcomes.items()
        if outcome[0] != ("allowed" if role in allowed else "refused")
    }
    assert not wrong, f"{method} {url}: {wrong}"


@pytest.mark.parametrize("model", sorted(admin.site._registry, key=lambda m: m._meta.label))
def test_admin_access(client, model):
    world = build_world()
    opts = model._meta
    allowed = ADMIN_MODEL_ACCESS.get(opts.label, frozenset()) | {"staff"}
    urls = [reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")]
    for role in ROLES:
        for url in urls:
            client.logout()
            response = call(client, world, role, "GET", url)
            assert response.status_code < 500
            refused = is_refused(response)
            assert refused == (role not in allowed), f"{role} GET {url}: {response.status_code}"


def test_the_admin_index_is_for_staff_only(client):
    world = build_world()
    for role in ROLES:
        client.logout()
        response = call(client, world, role, "GET", reverse("admin:index"))
        assert is_refused(response) == (role != "staff"), role


# --- Socket subscriptions ---------------------------------------------------------------


async def _visitor_subscribe(token: str, conversation_id: int) -> dict:
    communicator = WebsocketCommunicator(sockets.application, "/ws/widget/")
    await communicator.connect()
    await communicator.send_json_to({"type": "auth", "visitor_token": token})
    assert (await communicator.receive_json_from(timeout=5))["type"] == "auth.ok"
    await communicator.send_json_to({"type": "subscribe", "conversation": conversation_id})
    frame = await communicator.receive_json_from(timeout=5)
    await communicator.disconnect()
    return frame


async def _console_watch(user, conversation_id: int) -> str | int:
    communicator = WebsocketCommunicator(sockets.application, "/ws/console/")
    communicator.scope["user"] = user
    connected, code = await communicator.connect()
    if not connected:
        return code
    await communicator.send_to(json.dumps({"type": "watch", "conversation": conversation_id}))
    html = await communicator.receive_from(timeout=5)
    await communicator.disconnect()
    return html


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
async def test_socket_subscriptions(role, in_memory_layer, consumer_connections_closed):
    from django.contrib.auth.models import AnonymousUser

    world = await sync_to_async(build_world)()
    conversation_id = world.conversation.pk
    if role in world.tokens:
        frame = await _visitor_subscribe(world.tokens[role], conversation_id)
        if role in OWNER:
            assert frame["type"] == "message.new"
        else:
            assert frame == {
                "type": "error",
                "code": "not_found",
                "detail": "No such conversation.",
                "client_id": None,
            }
        return
    user = world.users.get(role, AnonymousUser())
    result = await _console_watch(user, conversation_id)
    if role in CONVERSATION_AGENTS:
        assert "Where is my order?" in result
    elif role in AGENTS:
        assert "Where is my order?" not in result and "not_found" in result
    else:
        assert result == 4403  # no agent profile: the console socket is refused
