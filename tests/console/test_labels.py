"""Labels: attached and removed in the console, shown on inbox rows, filtering the inbox."""

import pytest
from django.urls import reverse

from support import errors
from support import services as support_services
from tests import factories
from tests.factories import logged_in

pytestmark = pytest.mark.django_db


def labels_url(conversation) -> str:
    return reverse("console:conversation_labels_change", args=[conversation.pk])


def test_labels_are_added_once_and_removed():
    conversation = factories.conversation()
    vip = factories.label(name="vip")
    support_services.conversation_label_add(conversation=conversation, label_id=vip.pk)
    support_services.conversation_label_add(conversation=conversation, label_id=str(vip.pk))
    assert list(conversation.labels.all()) == [vip]
    support_services.conversation_label_remove(conversation=conversation, label_id=vip.pk)
    assert not conversation.labels.exists()
    with pytest.raises(errors.InvalidInput):
        support_services.conversation_label_add(conversation=conversation, label_id="999")
    with pytest.raises(errors.InvalidInput):
        support_services.conversation_label_remove(conversation=conversation, label_id="x")


def test_an_agent_labels_a_conversation_in_the_console():
    agent = factories.agent()
    conversation = factories.conversation()
    bug = factories.label(name="bug", colour="#dc2626")
    client = logged_in(agent)

    page = client.get(reverse("console:conversation", args=[conversation.pk])).content.decode()
    assert 'id="label-select"' in page and ">bug</option>" in page

    response = client.post(labels_url(conversation), {"add": bug.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="conversation-header"' in html
    assert f'data-label-id="{bug.pk}"' in html and "--label: #dc2626" in html
    assert list(conversation.labels.all()) == [bug]

    client.post(labels_url(conversation), {"remove": bug.pk}, HTTP_HX_REQUEST="true")
    assert not conversation.labels.exists()
    bad = client.post(labels_url(conversation), {"add": "nope"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400


def test_labels_of_a_hidden_conversation_cannot_be_changed():
    team = factories.team()
    conversation = factories.conversation(topic_slug=factories.topic(team=team).slug)
    bug = factories.label()
    response = logged_in(factories.agent()).post(labels_url(conversation), {"add": bug.pk})
    assert response.status_code == 404
    assert not conversation.labels.exists()


def test_the_inbox_filters_by_label_and_shows_label_pills():
    agent = factories.agent()
    vip = factories.label(name="vip")
    tagged = factories.conversation()
    untagged = factories.conversation()
    support_services.conversation_label_add(conversation=tagged, label_id=vip.pk)
    client = logged_in(agent)

    everything = client.get(reverse("console:inbox") + "?view=all").content.decode()
    assert f"conv-row-{tagged.pk}" in everything and f"conv-row-{untagged.pk}" in everything
    filtered = client.get(reverse("console:inbox") + f"?view=all&label={vip.pk}")
    html = filtered.content.decode()
    assert f"conv-row-{tagged.pk}" in html and f"conv-row-{untagged.pk}" not in html
    assert f'data-label="{vip.pk}"' in html  # live rows are filtered the same way
    assert 'class="pill label-pill"' in html
    assert f'data-labels="{vip.pk}"' in html
    ignored = client.get(reverse("console:inbox") + "?view=all&label=abc")
    assert ignored.status_code == 200


def test_inbox_queries_stay_bounded_with_many_labelled_conversations(django_assert_max_num_queries):
    agent = factories.agent()
    labels = [factories.label() for _ in range(4)]
    for i in range(30):
        conversation = factories.conversation(
            contact=factories.visitor(contact_data={"name": f"V{i}"})[0]
        )
        for label in labels[: i % 4 + 1]:
            support_services.conversation_label_add(conversation=conversation, label_id=label.pk)
        factories.note(conversation=conversation, author=agent, body="note")
    client = logged_in(agent)
    client.get(reverse("console:inbox"))  # session and caches warm
    with django_assert_max_num_queries(10):
        response = client.get(reverse("console:inbox") + "?view=all")
    assert response.content.decode().count('class="pill label-pill"') == sum(
        i % 4 + 1 for i in range(30)
    )
    conversation_url = reverse("console:conversation", args=[conversation.pk])
    with django_assert_max_num_queries(16):  # as test_views: the conversation page
        client.get(conversation_url)
