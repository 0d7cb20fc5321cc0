"""The ratings admin lists each resolution's rating and adds none of its own."""

import pytest
from django.contrib.auth import get_user_model

from ratings import services
from support import services as support_services
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_admin_lists_every_resolutions_rating_and_offers_no_add(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345-x")
    client.force_login(admin)
    agent = factories.agent()
    conversation = factories.resolved_conversation(agent_user=agent.user)
    services.rating_submit(conversation=conversation, score=2, comment="Slow at first")
    reopened = support_services.conversation_reopen(conversation=conversation, by_agent=agent.user)
    again = support_services.conversation_resolve(conversation=reopened, agent=agent.user)
    services.rating_submit(conversation=again, score=5, comment="Then great")

    html = client.get("/admin/ratings/rating/").content.decode()

    assert "Slow at first" in html and "Then great" in html
    assert client.get("/admin/ratings/rating/add/").status_code == 403
