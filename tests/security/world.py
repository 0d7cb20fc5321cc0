"""One small helpdesk with a user of every role, and the site's URLs read from the URL conf.

Shared by the authorisation matrix, the identity tests and the XSS corpus so that every
endpoint added to a URL conf is met by all of them.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, get_resolver

from chat import attachments as attachment_services
from ratings.links import rating_link_token
from support import services as support_services
from support.models import Topic
from tests import factories
from tests.chat import corpus
from tests.faq import factories as faq_factories

ROLES = (
    "anonymous",
    "visitor_a",
    "visitor_b",
    "agent_in_team",
    "agent_outside_team",
    "assigned_agent",
    "supervisor",
    "staff",
)


@dataclass
class World:
    widget: object
    team: object
    conversation: object  # visitor A's, routed to `team`, assigned to assigned_agent
    article: object
    attachment: object  # a file in visitor A's conversation
    canned: object = None  # a team reply of `team`, made by the supervisor
    tokens: dict = field(default_factory=dict)  # visitor role → visitor token
    users: dict = field(default_factory=dict)  # console role → user
    contacts: dict = field(default_factory=dict)

    def params(self, name: str) -> dict[str, str]:
        """Values for a route's placeholders: visitor A's conversation, a published article."""
        slug = self.article.category.slug if name == "faq:category" else self.article.slug
        return {
            "conversation_id": str(self.conversation.pk),
            "article_id": str(self.article.pk),
            "token": rating_link_token(conversation_id=self.conversation.pk),
            "slug": slug,
            "language": self.article.language,
            "trigger_id": "1",  # the host API answers 400/404 without a real one
            "attachment_id": str(self.attachment.pk),
            "variant": "file",
            "widget_key": self.widget.key,
            "external_id": "user-a",
            "table": "agents",  # a report table's CSV
            "canned_id": str(self.canned.pk if self.canned else 0),
            "contact_id": str(self.contacts["visitor_a"].pk),
            # No mail and no support address in this world: their pages are 404 for all.
            "inbound_id": "0",
            "support_address_id": "0",
            # Visitor A's last message (theirs, unseen); no block or macro exists here.
            "message_id": str(
                self.conversation.messages.filter(sender_type="visitor").order_by("-pk")[0].pk
            ),
            "block_id": "0",
            "macro_id": "0",
            "phone_number_id": "100000000000001",
            "widget_id": str(self.widget.pk),
            # A fresh label for each call: the supervisor's delete may have removed the last.
            "label_id": str(factories.label().pk) if name == "console:label_remove" else "0",
            # Settings: the world's team, its topic, an agent in it and a holiday of its own.
            "team_id": str(self.team.pk),
            "topic_id": str(Topic.objects.get(slug="orders").pk),
            "agent_id": str(self.users["agent_in_team"].agent_profile.pk),
            "holiday_id": str(
                factories.special_day(team=self.team, date=date(2099, 1, 1)).pk
                if name == "console:settings_team_holiday_delete"
                else 0
            ),
        }


def build_world(*, body="Where is my order?", contact_data=None, device=None) -> World:
    widget = factories.widget()
    team, other_team, assigned_team = factories.team(), factories.team(), factories.team()
    factories.topic(slug="orders", team=team)
    contact_a, token_a = factories.visitor(
        widget_obj=widget, external_id="user-a", contact_data=contact_data, device=device
    )
    contact_b, token_b = factories.visitor(widget_obj=widget, external_id="user-b")
    in_team = factories.agent(username="in_team", teams=[team])
    outside = factories.agent(username="outside", teams=[other_team])
    assigned = factories.agent(username="assigned", teams=[assigned_team])
    supervisor = factories.supervisor(username="supervisor")
    staff = get_user_model().objects.create_user(
        username="staff", password="pw-12345-test", is_staff=True, is_superuser=True
    )
    conversation = factories.conversation(contact=contact_a, body=body, topic_slug="orders")
    support_services.conversation_assign(
        conversation=conversation, to_user=assigned.user, by_user=supervisor.user
    )
    conversation.refresh_from_db()
    article = faq_factories.article(title="Returns", body="Send it back.")
    attachment = attachment_services.attachment_upload(
        conversation=conversation,
        uploaded_file=SimpleUploadedFile("receipt.png", corpus.png()),
        uploader_type="visitor",
    )
    canned = factories.canned_response(by=supervisor, shortcut="returns", team=team)
    return World(
        widget=widget,
        team=team,
        conversation=conversation,
        article=article,
        attachment=attachment,
        canned=canned,
        tokens={"visitor_a": token_a, "visitor_b": token_b},
        contacts={"visitor_a": contact_a, "visitor_b": contact_b},
        users={
            "agent_in_team": in_team.user,
            "agent_outside_team": outside.user,
            "assigned_agent": assigned.user,
            "supervisor": supervisor.user,
            "staff": staff,
        },
    )


def _walk(resolver, prefix="", namespace=None):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # the admin is checked model by model (test_admin_access)
            inner = ":".join(n for n in (namespace, pattern.namespace) if n) or None
            yield from _walk(pattern, prefix + str(pattern.pattern), inner)
        else:
            name = pattern.name or f"/{prefix}{pattern.pattern}"
            yield (f"{namespace}:{name}" if namespace else name), prefix + str(pattern.pattern)


def site_routes() -> dict[str, str]:
    """Every non-admin URL of the site: {"namespace:name" (or "/route" if unnamed): route}."""
    return dict(_walk(get_resolver()))


PLACEHOLDER = re.compile(r"<(?:\w+:)?(\w+)>")


def route_url(route: str, params: dict[str, str]) -> str:
    return "/" + PLACEHOLDER.sub(lambda m: params[m.group(1)], route)
