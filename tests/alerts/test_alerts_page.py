"""The alerts page in Turkish speaks of a conversation as the rest of the console does."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_the_turkish_alerts_page_says_konusma_like_the_rest_of_the_console():
    agent = factories.agent()
    agent.language = "tr"
    agent.save(update_fields=["language"])
    page = factories.logged_in(agent).get("/console/alerts/").content.decode()
    assert "bildirim: bana bir konuşma atandı" in page.lower()
    assert "görüşme" not in page.lower()
