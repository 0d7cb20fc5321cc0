"""The rail marks the area the agent is in, and only that one."""

import re

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def active_links(content: str) -> list[str]:
    return re.findall(r'<a class="rail-link active"[^>]*href="([^"]+)"', content)


@pytest.mark.parametrize(
    ("path", "active"),
    [
        ("/console/", "/console/"),
        ("/console/canned/", "/console/canned/"),
        ("/console/macros/", "/console/canned/"),
        ("/console/blocks/", "/console/privacy/"),
        ("/console/search/", "/console/search/"),
        ("/console/contacts/", "/console/contacts/"),
        ("/console/alerts/", "/console/alerts/"),
        ("/console/settings/", "/console/settings/"),
        ("/console/settings/teams/", "/console/settings/"),
    ],
)
def test_the_rail_marks_the_page_s_own_area(path, active):
    client = factories.logged_in(factories.supervisor())
    assert active_links(client.get(path).content.decode()) == [active]


def test_a_conversation_is_in_the_inbox():
    client = factories.logged_in(factories.supervisor())
    conversation = factories.conversation()
    content = client.get(f"/console/conversations/{conversation.pk}/").content.decode()
    assert active_links(content) == ["/console/"]
