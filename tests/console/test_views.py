"""The agent console (support/views.py) through Django's test client."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from console.views.contexts import CONVERSATION_PAGE_SIZE
from support import services as support_services
from support.models import Conversation, Message
from tests import factories
from tests.factories import logged_in

pytestmark = pytest.mark.django_db


PASSWORD = "pw-12345-test"  # what factories.agent() gives every agent
XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
Status = Conversation.Status


def inbox_url(view="all", **filters) -> str:
    url = reverse("console:inbox")
    query = "&".join(f"{key}={value}" for key, value in {"view": view, **filters}.items())
    return f"{url}?{query}"


def conversation_url(conversation) -> str:
    return reverse("console:conversation", args=[conversation.pk])


def send_url(conversation) -> str:
    return reverse("console:conversation_message_send", args=[conversation.pk])


def status_url(conversation) -> str:
    return reverse("console:conversation_status_change", args=[conversation.pk])


def fresh(conversation) -> Conversation:
    return Conversation.objects.get(pk=conversation.pk)


def row_ids(response) -> list[int]:
    """The conversation ids of the inbox rows, in page order."""
    return [int(pk) for pk in re.findall(r'id="conv-row-(\d+)"', response.content.decode())]


# --- access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["inbox", "conversation"])
def test_anonymous_users_are_sent_to_the_login_page(client, name):
    conversation = factories.conversation()
    url = inbox_url() if name == "inbox" else conversation_url(conversation)

    response = client.get(url)

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("console:login") == "/console/login/"
    assert parse_qs(location.query) == {"next": [url]}


def test_a_logged_in_user_without_an_agent_profile_gets_a_403_page(client):
    user = get_user_model().objects.create_user(username="shopper", password=PASSWORD)
    conversation = factories.conversation()
    client.force_login(user)

    for url in (inbox_url(), conversation_url(conversation)):
        response = client.get(url)
        assert response.status_code == 403
        assert "This account is not a support agent" in response.content.decode()
    response = client.post(send_url(conversation), {"body": "hi"})
    assert response.status_code == 403
    assert conversation.messages.count() == 1


def test_the_login_page_renders(client):
    response = client.get(reverse("console:login"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert "csrfmiddlewaretoken" in html


def test_a_wrong_password_shows_an_error_and_does_not_log_in(client):
    agent = factories.agent(username="ayse")

    response = client.post(reverse("console:login"), {"username": "ayse", "password": "wrong"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="form-error"' in html
    assert "correct username and password" in html
    assert "_auth_user_id" not in client.session
    assert agent.user.last_login is None


def test_logging_in_redirects_to_the_inbox(client):
    agent = factories.agent(username="ayse")

    response = client.post(reverse("console:login"), {"username": "ayse", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("console:inbox")
    assert client.session["_auth_user_id"] == str(agent.user_id)
    assert client.get(inbox_url()).status_code == 200


# --- the inbox -----------------------------------------------------------------------------------


def test_the_inbox_lists_open_conversations_newest_activity_first_with_unread_counts():
    agent = factories.agent()
    a = factories.conversation(body="a")
    b = factories.conversation(body="b")
    c = factories.conversation(body="c")
    resolved = factories.resolved_conversation()
    factories.message(conversation=a, body="a again")  # a is now the newest
    factories.message(conversation=a, body="a third")

    response = logged_in(agent).get(inbox_url())

    assert response.status_code == 200
    assert row_ids(response) == [a.pk, c.pk, b.pk]
    assert resolved.pk not in row_ids(response)
    unread = {conv.pk: conv.unread_count for conv in response.context["conversations"]}
    assert unread == {a.pk: 3, b.pk: 1, c.pk: 1}
    html = response.content.decode()
    assert re.search(rf'id="conv-row-{a.pk}" class="[^"]*\bunread\b', html)
    assert '<span class="badge" title="Unread messages">3</span>' in html


def test_the_unread_count_ignores_messages_the_agent_has_read_and_their_own():
    agent = factories.agent()
    conversation = factories.conversation(body="one")
    factories.message(conversation=conversation, sender_type="agent", agent_user=agent.user)
    factories.message(conversation=conversation, body="two")

    response = logged_in(agent).get(inbox_url())

    (row,) = response.context["conversations"]
    assert row.unread_count == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"view": "mine"}, {"mine"}),
        ({"view": "unassigned"}, {"unassigned", "pending"}),
        ({"view": "teams"}, {"team"}),
        ({"view": "all"}, {"mine", "unassigned", "pending", "colleagues", "team"}),
        ({"view": "all", "status": "resolved"}, {"resolved"}),
        ({"view": "all", "status": "pending"}, {"pending"}),
        ({"view": "all", "priority": "urgent"}, {"team"}),
        ({"view": "all", "topic": "billing"}, {"team"}),
        ({"view": "bogus"}, {"mine"}),
    ],
)
def test_inbox_views_and_filters(query, expected):
    team = factories.team()
    factories.topic(slug="billing", team=team)
    agent = factories.agent(teams=[team])
    colleague = factories.agent()
    conversations = {
        "mine": factories.conversation(),
        "unassigned": factories.conversation(),
        "pending": factories.conversation(),
        "resolved": factories.resolved_conversation(),
        "colleagues": factories.conversation(),
        "team": factories.conversation(topic_slug="billing"),
    }
    support_services.conversation_set_priority(
        conversation=conversations["team"], priority="urgent"
    )
    factories.message(
        conversation=conversations["mine"], sender_type="agent", agent_user=agent.user
    )
    support_services.conversation_set_status(
        conversation=conversations["pending"], status=Status.PENDING
    )
    factories.message(
        conversation=conversations["colleagues"], sender_type="agent", agent_user=colleague.user
    )
    factories.message(
        conversation=conversations["team"], sender_type="agent", agent_user=colleague.user
    )
    names = {conv.pk: name for name, conv in conversations.items()}

    response = logged_in(agent).get(inbox_url(**query))

    assert response.status_code == 200
    assert {names[pk] for pk in row_ids(response)} == expected


def test_the_inbox_puts_urgent_first_and_serves_the_unassigned_queue_first_come_first_served():
    agent = factories.agent()
    first = factories.conversation(body="first")
    second = factories.conversation(body="second")
    urgent = factories.conversation(body="urgent")
    support_services.conversation_set_priority(conversation=urgent, priority="urgent")
    factories.message(conversation=first, body="first again")  # newest activity

    client = logged_in(agent)

    assert row_ids(client.get(inbox_url("unassigned"))) == [urgent.pk, first.pk, second.pk]
    assert row_ids(client.get(inbox_url("all"))) == [urgent.pk, first.pk, second.pk]
    factories.message(conversation=second, body="second again")
    assert row_ids(client.get(inbox_url("all"))) == [urgent.pk, second.pk, first.pk]
    assert row_ids(client.get(inbox_url("unassigned"))) == [urgent.pk, first.pk, second.pk]


def test_the_view_tabs_show_counts():
    agent = factories.agent()
    factories.conversation()
    mine = factories.conversation()
    factories.message(conversation=mine, sender_type="agent", agent_user=agent.user)

    response = logged_in(agent).get(inbox_url("mine"))

    assert response.context["counts"] == {"mine": 1, "unassigned": 1, "teams": 0, "all": 2}
    html = response.content.decode()
    assert '<span class="count" data-view-count="unassigned">1</span>' in html
    counts = logged_in(agent).get(reverse("console:inbox_counts") + "?view=mine")
    assert counts.status_code == 200
    assert 'data-view-count="all">2<' in counts.content.decode()


def team_routed_world():
    """A conversation routed to Billing, one unrouted; agents in and out of Billing."""
    billing = factories.team(name="Billing")
    factories.topic(slug="payment", team=billing)
    routed = factories.conversation(topic_slug="payment", body="card declined")
    unrouted = factories.conversation(body="general question")
    return {
        "routed": routed,
        "unrouted": unrouted,
        "outsider": factories.agent(teams=[factories.team(name="Shipping")]),
        "member": factories.agent(teams=[billing]),
        "supervisor": factories.supervisor(),
    }


def test_an_agent_outside_the_team_does_not_see_a_team_routed_conversation():
    world = team_routed_world()
    client = logged_in(world["outsider"])

    inbox = client.get(inbox_url())
    page = client.get(conversation_url(world["routed"]))
    post = client.post(send_url(world["routed"]), {"body": "hi"}, HTTP_HX_REQUEST="true")
    status = client.post(status_url(world["routed"]), {"action": "resolve"})

    assert row_ids(inbox) == [world["unrouted"].pk]
    assert page.status_code == 404
    assert "card declined" not in page.content.decode()
    assert "it belongs to a team you are not in" in page.content.decode()
    assert post.status_code == 404
    assert status.status_code == 404
    assert fresh(world["routed"]).status == Status.QUEUED
    assert not world["routed"].messages.filter(sender_type="agent").exists()


def test_a_team_member_and_a_supervisor_see_the_team_routed_conversation():
    world = team_routed_world()

    for who in ("member", "supervisor"):
        client = logged_in(world[who])
        assert set(row_ids(client.get(inbox_url()))) == {world["routed"].pk, world["unrouted"].pk}
        assert client.get(conversation_url(world["routed"])).status_code == 200


def test_an_agent_sees_a_conversation_assigned_to_them_outside_their_teams():
    world = team_routed_world()
    outsider = world["outsider"]
    supervisor = world["supervisor"]
    factories.message(conversation=world["routed"], sender_type="agent", agent_user=supervisor.user)
    Conversation.objects.filter(pk=world["routed"].pk).update(assignee=outsider.user)

    response = logged_in(outsider).get(conversation_url(world["routed"]))

    assert response.status_code == 200


def test_an_unknown_conversation_is_404():
    agent = factories.agent()

    response = logged_in(agent).get(reverse("console:conversation", args=[999999]))

    assert response.status_code == 404


# --- query counts --------------------------------------------------------------------------------


def busy_inbox(count: int, agents) -> None:
    """Conversations with every column the inbox row shows: topics, teams, assignees, unread."""
    team = factories.team()
    factories.topic(slug=f"t-{count}", team=team)
    for agent in agents:
        agent.teams.add(team)
    for i in range(count):
        conversation = factories.conversation(
            contact=factories.visitor(contact_data={"name": f"Visitor {i}"})[0],
            topic_slug=f"t-{count}" if i % 2 else None,
        )
        if i % 3 == 0:
            agent = agents[i % len(agents)]
            factories.message(conversation=conversation, sender_type="agent", agent_user=agent.user)
        factories.message(conversation=conversation, body=f"follow-up {i}")


def count_queries(client, url) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_the_inbox_uses_the_same_number_of_queries_for_5_and_40_conversations(role):
    viewer = factories.agent() if role == "agent" else factories.supervisor()
    agents = [viewer, factories.agent(), factories.agent(display_name="Named")]
    client = logged_in(viewer)

    busy_inbox(5, agents)
    client.get(inbox_url())  # the process caches warm, as they are in a running server
    with_5, response = count_queries(client, inbox_url())
    assert len(row_ids(response)) == 5
    busy_inbox(35, agents)
    # Warm again: on a slow machine a copy may pass its 5 s life between the two counts.
    client.get(inbox_url())
    with_40, response = count_queries(client, inbox_url())
    assert len(row_ids(response)) == 40

    assert with_40 == with_5
    # session, user, profile, teams (visibility, tab counts, live filter), counts, topics,
    # labels (the filter's), conversations, their assignees, their labels
    assert with_40 <= 10


def test_the_conversation_page_uses_the_same_number_of_queries_for_10_and_100_messages():
    viewer = factories.agent()
    colleague = factories.agent(display_name="Colleague")
    client = logged_in(viewer)
    conversation = factories.conversation()
    busy_inbox(3, [viewer, colleague])

    def add_messages(count):
        for i in range(count):
            if i % 4 == 0:
                who = (viewer, colleague)[i % 8 == 0]
                factories.message(
                    conversation=conversation, sender_type="agent", agent_user=who.user
                )
            else:
                factories.message(conversation=conversation, body=f"visitor {i}")

    add_messages(8)
    client.get(conversation_url(conversation))  # the process caches warm
    factories.message(conversation=conversation, body="unread")  # so the page marks read
    with_10, response = count_queries(client, conversation_url(conversation))
    assert len(response.context["thread_messages"]) == 10
    add_messages(90)
    factories.message(conversation=conversation, body="unread again")  # so the page marks read
    with_100, response = count_queries(client, conversation_url(conversation))
    # The newest page only; "Load earlier messages" fetches the rest.
    assert len(response.context["thread_messages"]) == CONVERSATION_PAGE_SIZE
    assert response.context["has_earlier"] is True

    assert with_100 == with_10
    # session, user and profile; the conversation and its labels; the audit line (who
    # viewed it); the thread (its files only when it has some), the read mark (one UPDATE);
    # the inbox pane's teams and tab counts (its rows load afterwards); the contact panel's
    # other conversations. The internal notes and the contact's change log only when there
    # are some (the conversation's query says). Topics, teams and agents (twice: the thread's
    # senders and the assign menu) too, here only: this test wrote them in its own
    # transaction, which the process caches do not keep (see
    # test_the_conversation_page_takes_its_menus_from_the_process_caches).
    assert with_100 <= 14
    factories.message(conversation=conversation, sender_type="agent", agent_user=viewer.user)
    already_read, _response = count_queries(client, conversation_url(conversation))
    assert already_read == with_100 - 1  # nothing new to mark read: no read-mark query


# Committed rows, as in a running server: inside a test's transaction the process caches do
# not keep rows the test itself wrote (support.process_cache).
@pytest.mark.django_db(transaction=True)
def test_the_conversation_page_takes_its_menus_from_the_process_caches(
    django_assert_max_num_queries,
):
    team = factories.team(name="Billing")
    factories.topic(slug="payment", team=team, name_en="Payment")
    viewer = factories.agent(teams=[team], display_name="Deniz")
    factories.agent(display_name="Colleague")
    label = factories.label(name="vip")
    factories.canned_response(by=viewer, title="Refund steps", shortcut="refund")
    conversation = factories.conversation(topic_slug="payment")
    conversation.labels.add(label)
    factories.message(conversation=conversation, sender_type="agent", agent_user=viewer.user)
    earlier = [
        factories.conversation(contact=conversation.contact, topic_slug="payment") for _ in range(3)
    ]
    client = logged_in(viewer)
    client.get(conversation_url(conversation))  # the process caches warm

    # session, user and profile, the conversation (and its labels), the audit line, the
    # thread; the inbox pane's teams and tab counts; the contact panel's conversations.
    # Topics, teams, agents, labels and canned replies: none; internal notes and the
    # contact's change log: none either, the conversation's query says there are none.
    with django_assert_max_num_queries(9):
        response = client.get(conversation_url(conversation))

    html = response.content.decode()
    assert '<option value="topic:payment">Payment</option>' in html
    assert f'<option value="team:{team.pk}">Billing</option>' in html
    assert f'<option value="{viewer.user_id}">Deniz (me)</option>' in html
    assert ">Colleague</option>" in html
    assert f'<option value="{label.pk}">vip</option>' in html
    assert '"shortcut": "refund"' in html
    for other in earlier:  # the contact panel's list, its topics from the copy as well
        assert f"#{other.pk} · Payment" in html


def lazy_rows_url(response) -> str:
    """The URL the conversation page's inbox list loads its rows from (hx-trigger="load")."""
    html = response.content.decode()
    match = re.search(r'<ul id="inbox-list"[^>]*\bhx-get="([^"]+)" hx-trigger="load"', html)
    assert match, "the inbox list should load its rows after the page"
    return match.group(1).replace("&amp;", "&")


def test_the_conversation_page_loads_its_inbox_rows_after_the_page():
    agent = factories.agent()
    client = logged_in(agent)
    urgent = factories.conversation(body="urgent one")
    support_services.conversation_set_priority(
        conversation=urgent, priority="urgent", by_user=agent.user
    )
    normal = factories.conversation(body="normal one")

    page = client.get(conversation_url(normal) + "?view=all&priority=urgent")

    assert page.status_code == 200
    assert row_ids(page) == []  # the conversation first; no rows rendered with it
    html = page.content.decode()
    assert 'aria-busy="true"' in html[html.index('id="inbox-list"') :].split(">", 1)[0]
    url = lazy_rows_url(page)
    assert parse_qs(urlsplit(url).query) == {
        "view": ["all"],
        "status": ["active"],
        "priority": ["urgent"],
    }
    rows = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="inbox-list")
    assert rows.status_code == 200
    assert row_ids(rows) == [urgent.pk]  # the page's filters apply to the rows
    assert "<html" not in rows.content.decode() and 'id="inbox-tabs"' not in rows.content.decode()
    # The same rows as the inbox page, and the inbox page still renders its own.
    everything = client.get(inbox_url(), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="inbox-list")
    assert sorted(row_ids(everything)) == sorted([urgent.pk, normal.pk])
    assert sorted(row_ids(client.get(inbox_url()))) == sorted([urgent.pk, normal.pk])
    assert 'hx-trigger="load"' not in client.get(inbox_url()).content.decode()


def test_the_lazy_inbox_rows_need_few_queries_and_respect_access(django_assert_max_num_queries):
    member = factories.agent()
    outsider = factories.agent()
    team = factories.team()
    member.teams.add(team)
    factories.topic(slug="routed", team=team)
    routed = factories.conversation(topic_slug="routed")
    busy_inbox(20, [member])
    client = logged_in(outsider)
    client.get(inbox_url())  # session warm
    # session, user, profile, teams, conversations, their assignees, their labels
    with django_assert_max_num_queries(7):
        rows = client.get(inbox_url(), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="inbox-list")
    assert routed.pk not in row_ids(rows)
    assert routed.pk in row_ids(
        logged_in(member).get(inbox_url(), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="inbox-list")
    )


# --- the conversation page -----------------------------------------------------------------------


def test_opening_a_conversation_marks_it_read():
    agent = factories.agent()
    conversation = factories.conversation(body="one")
    factories.message(conversation=conversation, body="two")
    newest = factories.message(conversation=conversation, body="three")
    assert fresh(conversation).agent_last_read_id == 0

    response = logged_in(agent).get(conversation_url(conversation))

    assert response.status_code == 200
    assert fresh(conversation).agent_last_read_id == newest.pk
    html = response.content.decode()
    message_list = html[html.index('id="message-list"') :]
    assert message_list.index(">one<") < message_list.index(">two<") < message_list.index(">three<")
    inbox = logged_in(agent).get(inbox_url())
    (row,) = inbox.context["conversations"]
    assert row.unread_count == 0


def test_a_long_conversation_page_shows_the_newest_message_and_marks_it_read():
    agent = factories.agent()
    conversation = factories.conversation(body="the very first message")
    # Volume filler only: a thousand plain visitor rows, then the newest through the service.
    Message.objects.bulk_create(
        Message(conversation=conversation, sender_type="visitor", body=f"filler {i}")
        for i in range(1000)
    )
    newest = factories.message(conversation=conversation, body="the newest message")

    response = logged_in(agent).get(conversation_url(conversation))

    assert response.status_code == 200
    assert f'id="message-{newest.pk}"' in response.content.decode()
    assert fresh(conversation).agent_last_read_id == newest.pk


def test_the_conversation_page_shows_device_details_and_attributes():
    agent = factories.agent()
    contact, _ = factories.visitor(
        external_id="user-42",
        contact_data={
            "name": "Zeynep",
            "email": "zeynep@example.com",
            "phone": "+90 555 000 0000",
            "attributes": {"plan": "gold", "orders": 12},
        },
        device={
            "platform": "ios",
            "os": "iOS",
            "os_version": "17.4",
            "app_version": "5.2.1",
            "model": "iPhone15,2",
            "locale": "tr-TR",
            "timezone": "Europe/Istanbul",
        },
    )
    conversation = factories.conversation(contact=contact)

    response = logged_in(agent).get(conversation_url(conversation))

    html = response.content.decode()
    for text in (
        "Zeynep",
        "zeynep@example.com",
        "+90 555 000 0000",
        "user-42",
        "Verified",
        "<dd>iOS app</dd>",
        "<dd>iOS 17.4</dd>",
        "<dd>5.2.1</dd>",
        "<dd>iPhone15,2</dd>",
        "<dd>Turkish (TR)</dd>",
        "<dd>Europe/Istanbul</dd>",
        "<dt>plan</dt><dd>gold</dd>",
        "<dt>orders</dt><dd>12</dd>",
    ):
        assert text in html


def test_visitor_supplied_text_is_escaped_everywhere():
    agent = factories.agent()
    contact, _ = factories.visitor(
        contact_data={"name": XSS, "attributes": {XSS: XSS}},
        device={"model": XSS, "url": XSS},
    )
    conversation = factories.conversation(contact=contact, body=XSS)
    client = logged_in(agent)

    for response in (client.get(conversation_url(conversation)), client.get(inbox_url())):
        html = response.content.decode()
        assert XSS not in html
        assert XSS_ESCAPED in html
    page = client.get(conversation_url(conversation)).content.decode()
    # name, attribute key and value, two device fields, the body and the inbox preview
    assert page.count(XSS_ESCAPED) >= 6


# --- sending from the console --------------------------------------------------------------------


def test_an_htmx_post_sends_the_message_as_the_agent_and_answers_204():
    agent = factories.agent()
    conversation = factories.conversation()

    response = logged_in(agent).post(
        send_url(conversation),
        {"body": "Hello, how can I help?", "client_id": "console-1"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 204
    message = conversation.messages.get(sender_type=Message.SenderType.AGENT)
    assert message.body == "Hello, how can I help?"
    assert message.sender_agent_id == agent.user_id
    assert message.client_id == "console-1"
    after = fresh(conversation)
    assert after.status == Status.OPEN
    assert after.assignee_id == agent.user_id


def test_a_plain_post_redirects_back_to_the_conversation():
    agent = factories.agent()
    conversation = factories.conversation()

    response = logged_in(agent).post(send_url(conversation), {"body": "Hi"})

    assert response.status_code == 302
    assert response["Location"] == conversation_url(conversation)
    assert conversation.messages.filter(sender_type="agent", body="Hi").count() == 1


@pytest.mark.django_db(transaction=True)  # committed rows: the process caches keep them
def test_a_reply_post_is_one_access_query_and_the_message_write(django_assert_max_num_queries):
    """The hot path of every reply: session, the user with its agent profile (one query,
    support.auth_backends), the access check alone, then message_send (BEGIN, lock, insert,
    update, COMMIT) and the publish's labels. No inbox-row query, no team list."""
    world = team_routed_world()
    client = logged_in(world["member"])
    for warm_up in ("first", "assigned now, the process caches are warm"):
        client.post(send_url(world["routed"]), {"body": warm_up}, HTTP_HX_REQUEST="true")

    with django_assert_max_num_queries(9):
        response = client.post(
            send_url(world["routed"]), {"body": "second", "client_id": "q"}, HTTP_HX_REQUEST="true"
        )

    assert response.status_code == 204
    assert world["routed"].messages.filter(sender_type="agent").count() == 3


def test_a_reply_to_a_conversation_assigned_to_me_in_another_team_is_allowed():
    world = team_routed_world()
    outsider = world["outsider"]
    support_services.conversation_assign(
        conversation=world["routed"], to_user=outsider.user, by_user=world["supervisor"].user
    )

    response = logged_in(outsider).post(
        send_url(world["routed"]), {"body": "mine now"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 204
    assert world["routed"].messages.filter(body="mine now").exists()


@pytest.mark.parametrize("who", ["member", "supervisor"])
def test_team_members_and_supervisors_reply_to_routed_and_unrouted_conversations(who):
    world = team_routed_world()
    client = logged_in(world[who])

    for name in ("routed", "unrouted"):
        response = client.post(send_url(world[name]), {"body": who}, HTTP_HX_REQUEST="true")
        assert response.status_code == 204
        assert world[name].messages.filter(body=who).exists()


@pytest.mark.parametrize("bad_id", [0, 999999])
def test_a_reply_to_a_missing_conversation_is_404(bad_id):
    response = logged_in(factories.supervisor()).post(
        reverse("console:conversation_message_send", args=[bad_id]),
        {"body": "anyone?"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 404
    assert not Message.objects.filter(body="anyone?").exists()


@pytest.mark.parametrize("htmx", [True, False])
def test_an_empty_body_is_400_with_the_error_and_stores_nothing(htmx):
    agent = factories.agent()
    conversation = factories.conversation()
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    response = logged_in(agent).post(send_url(conversation), {"body": "   "}, **headers)

    assert response.status_code == 400
    assert "The message is empty." in response.content.decode()
    assert conversation.messages.count() == 1
    assert fresh(conversation).status == Status.QUEUED


def test_a_too_long_body_is_400_with_the_error():
    agent = factories.agent()
    conversation = factories.conversation()

    response = logged_in(agent).post(
        send_url(conversation), {"body": "x" * 4001}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 400
    assert "longer than 4000 characters" in response.content.decode()
    assert conversation.messages.count() == 1


def test_the_same_client_id_twice_makes_one_message():
    agent = factories.agent()
    conversation = factories.conversation()
    client = logged_in(agent)

    for _ in range(2):
        response = client.post(
            send_url(conversation),
            {"body": "Once only", "client_id": "console-7"},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 204

    assert conversation.messages.filter(body="Once only").count() == 1


def test_sending_by_get_is_405():
    agent = factories.agent()
    conversation = factories.conversation()

    assert logged_in(agent).get(send_url(conversation)).status_code == 405


def test_csrf_is_enforced_on_console_posts():
    agent = factories.agent()
    conversation = factories.conversation()
    client = logged_in(agent, Client(enforce_csrf_checks=True))

    refused = client.post(send_url(conversation), {"body": "no token"}, HTTP_HX_REQUEST="true")
    refused_status = client.post(status_url(conversation), {"action": "resolve"})

    assert refused.status_code == 403
    assert refused_status.status_code == 403
    assert not conversation.messages.filter(body="no token").exists()
    assert fresh(conversation).status == Status.QUEUED

    # With the token the page hands out (htmx sends it as X-CSRFToken), the same post works.
    client.get(conversation_url(conversation))
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        send_url(conversation),
        {"body": "with token"},
        HTTP_HX_REQUEST="true",
        HTTP_X_CSRFTOKEN=token,
    )
    assert accepted.status_code == 204
    assert conversation.messages.filter(body="with token").count() == 1


# --- status changes from the console -------------------------------------------------------------


def test_resolve_resolves_and_posts_a_system_message():
    agent = factories.agent(display_name="Ayşe")
    conversation = factories.conversation()

    response = logged_in(agent).post(
        status_url(conversation), {"action": "resolve"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert 'data-status="resolved"' in response.content.decode()
    after = fresh(conversation)
    assert after.status == Status.RESOLVED
    assert after.resolved_at is not None
    (system,) = conversation.messages.filter(sender_type=Message.SenderType.SYSTEM)
    assert "Ayşe" in system.body


def test_a_plain_status_post_redirects_back_to_the_conversation():
    agent = factories.agent()
    conversation = factories.conversation()

    response = logged_in(agent).post(status_url(conversation), {"action": "pending"})

    assert response.status_code == 302
    assert response["Location"] == conversation_url(conversation)
    assert fresh(conversation).status == Status.PENDING


def test_resolving_twice_is_harmless():
    agent = factories.agent()
    conversation = factories.conversation()
    client = logged_in(agent)
    client.post(status_url(conversation), {"action": "resolve"}, HTTP_HX_REQUEST="true")
    resolved_at = fresh(conversation).resolved_at

    response = client.post(status_url(conversation), {"action": "resolve"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    after = fresh(conversation)
    assert after.status == Status.RESOLVED
    assert after.resolved_at == resolved_at


def test_reopen_from_the_console():
    agent = factories.agent()
    conversation = factories.conversation()
    client = logged_in(agent)
    client.post(send_url(conversation), {"body": "Done?"}, HTTP_HX_REQUEST="true")
    client.post(status_url(conversation), {"action": "resolve"}, HTTP_HX_REQUEST="true")

    response = client.post(status_url(conversation), {"action": "reopen"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    after = fresh(conversation)
    assert after.status == Status.OPEN  # it is assigned to the agent who replied
    assert after.resolved_at is None


def test_reopening_a_conversation_that_is_not_resolved_is_409():
    agent = factories.agent()
    conversation = factories.conversation()

    response = logged_in(agent).post(
        status_url(conversation), {"action": "reopen"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 409
    assert "not resolved" in response.content.decode()
    assert fresh(conversation).status == Status.QUEUED


@pytest.mark.parametrize(
    "make, code, after",
    [
        (factories.conversation, 200, Status.PENDING),
        (factories.resolved_conversation, 409, Status.RESOLVED),
    ],
    ids=["queued-becomes-pending", "resolved-is-409"],
)
def test_pending_from_the_console(make, code, after):
    agent = factories.agent()
    conversation = make()

    response = logged_in(agent).post(
        status_url(conversation), {"action": "pending"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == code
    assert fresh(conversation).status == after


@pytest.mark.parametrize("data", [{"action": "delete"}, {"action": ""}, {}])
def test_an_unknown_action_is_400(data):
    agent = factories.agent()
    conversation = factories.conversation()

    response = logged_in(agent).post(status_url(conversation), data, HTTP_HX_REQUEST="true")

    assert response.status_code == 400
    assert fresh(conversation).status == Status.QUEUED
    assert conversation.messages.count() == 1
