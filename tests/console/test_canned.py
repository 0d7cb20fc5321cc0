"""Canned replies: who may keep and use them, filling in variables, the console endpoints."""

import pytest
from django.test import Client
from django.urls import reverse

from support import canned, errors, selectors
from support import services as support_services
from support.models import CannedResponse
from tests import factories
from tests.factories import logged_in

pytestmark = pytest.mark.django_db


def render_url(conversation, reply) -> str:
    return reverse("console:conversation_canned_render", args=[conversation.pk, reply.pk])


# --- services ------------------------------------------------------------------------------------


def test_an_agent_keeps_personal_replies_and_only_supervisors_make_team_ones():
    team = factories.team()
    agent = factories.agent(teams=[team])
    boss = factories.supervisor()

    mine = factories.canned_response(by=agent, shortcut="thanks")
    assert (mine.owner_id, mine.team_id) == (agent.user_id, None)
    shared = factories.canned_response(by=boss, shortcut="refund", team=team)
    assert (shared.owner_id, shared.team_id) == (None, team.pk)

    with pytest.raises(errors.Forbidden):
        factories.canned_response(by=agent, shortcut="sneaky", team=team)
    assert not CannedResponse.objects.filter(shortcut="sneaky").exists()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"title": ""}, "invalid_title"),
        ({"title": "x" * 121}, "invalid_title"),
        ({"shortcut": "Has Space"}, "invalid_shortcut"),
        ({"shortcut": ""}, "invalid_shortcut"),
        ({"body_en": "   "}, "empty_body"),
        ({"body_tr": "x" * 4001}, "body_too_long"),
    ],
)
def test_bad_input_is_refused_with_a_clear_code(fields, code):
    agent = factories.agent()
    data = {"title": "Hi", "shortcut": "hi", "body_en": "Hello", "body_tr": "", **fields}
    with pytest.raises(errors.InvalidInput) as raised:
        support_services.canned_response_create(by=agent, **data)
    assert raised.value.code == code
    assert not CannedResponse.objects.exists()


def test_a_shortcut_is_unique_per_scope_but_may_repeat_across_scopes():
    team = factories.team()
    agent = factories.agent(teams=[team])
    boss = factories.supervisor()
    factories.canned_response(by=agent, shortcut="hello")
    with pytest.raises(errors.Conflict) as raised:
        factories.canned_response(by=agent, shortcut="/HELLO")  # normalised to "hello"
    assert raised.value.code == "shortcut_taken"
    factories.canned_response(by=boss, shortcut="hello", team=team)
    factories.canned_response(by=factories.agent(), shortcut="hello")
    assert CannedResponse.objects.filter(shortcut="hello").count() == 3


def test_only_the_owner_or_a_supervisor_for_team_replies_may_change_or_delete():
    team = factories.team()
    agent = factories.agent(teams=[team])
    colleague = factories.agent(teams=[team])
    boss = factories.supervisor()
    mine = factories.canned_response(by=agent, shortcut="mine")
    shared = factories.canned_response(by=boss, shortcut="shared", team=team)

    with pytest.raises(errors.Forbidden):
        support_services.canned_response_update(
            canned=mine, by=colleague, title="X", shortcut="x", body_en="x"
        )
    with pytest.raises(errors.Forbidden):
        support_services.canned_response_delete(canned=shared, by=agent)
    with pytest.raises(errors.Forbidden):
        support_services.canned_response_delete(canned=mine, by=boss)  # personal stays personal

    support_services.canned_response_update(
        canned=shared, by=boss, title="Refunds", shortcut="refunds", body_en="Steps…"
    )
    shared.refresh_from_db()
    assert (shared.title, shared.shortcut) == ("Refunds", "refunds")
    support_services.canned_response_delete(canned=mine, by=agent)
    assert not CannedResponse.objects.filter(pk=mine.pk).exists()


def test_agents_see_their_teams_replies_and_their_own_only():
    team, other_team = factories.team(), factories.team()
    agent = factories.agent(teams=[team])
    boss = factories.supervisor()
    own = factories.canned_response(by=agent)
    ours = factories.canned_response(by=boss, team=team)
    theirs = factories.canned_response(by=boss, team=other_team)
    someone_elses = factories.canned_response(by=factories.agent(teams=[team]))

    visible = {c.pk for c in selectors.canned_response_list_for_agent(profile=agent)}
    assert visible == {own.pk, ours.pk}
    for hidden in (theirs, someone_elses):
        with pytest.raises(errors.NotFound):
            selectors.canned_response_get_for_agent(profile=agent, canned_id=hidden.pk)
    supervisor_sees = {c.pk for c in selectors.canned_response_list_for_agent(profile=boss)}
    assert supervisor_sees == {ours.pk, theirs.pk}
    # The composer's menu (from the per-process copy) lists the same replies, in order.
    for profile in (agent, boss):
        listed = selectors.canned_response_list_for_agent(profile=profile)
        menu = selectors.canned_response_menu_for_agent(profile=profile)
        assert [item["id"] for item in menu] == [c.pk for c in listed]


def test_the_composer_menu_shows_the_start_of_each_reply():
    agent = factories.agent()
    reply = factories.canned_response(by=agent, title="Long", body_en="x" * 500)

    (item,) = selectors.canned_response_menu_for_agent(profile=agent)

    assert item == {
        "id": reply.pk,
        "title": "Long",
        "shortcut": reply.shortcut,
        "preview": "x" * 120,
    }


# --- filling in ----------------------------------------------------------------------------------


def test_variables_are_filled_in_for_the_conversation():
    team = factories.team(name="Payments")
    topic = factories.topic(slug="payment", team=team, name_en="Payment", name_tr="Ödeme")
    contact, _token = factories.visitor(
        contact_data={"name": "Elif Yılmaz", "email": "e@example.com"}
    )
    conversation = factories.conversation(contact=contact, topic_slug="payment")
    agent = factories.agent(display_name="Ayşe Demir", teams=[team])
    assert conversation.topic == topic

    text = canned.render(
        text="Hi {contact.first_name} ({contact.name}, {contact.email}), {agent.first_name} "
        "of {team.name} here about #{conversation.id} / {conversation.topic}. {unknown.thing}",
        variables=canned.variables_for(conversation=conversation, agent_profile=agent),
    )
    assert text == (
        f"Hi Elif (Elif Yılmaz, e@example.com), Ayşe of Payments here about "
        f"#{conversation.pk} / Payment. {{unknown.thing}}"
    )


def test_a_missing_name_leaves_no_stray_space():
    assert canned.render(text="Hello {contact.name}, welcome!", variables={"contact.name": ""}) == (
        "Hello, welcome!"
    )


# --- views ---------------------------------------------------------------------------------------


def test_the_render_endpoint_answers_in_the_visitors_language_with_variables():
    team = factories.team()
    agent = factories.agent(teams=[team], display_name="Ayşe")
    reply = factories.canned_response(
        by=agent,
        body_en="Hello {contact.name}, I am {agent.name}.",
        body_tr="Merhaba {contact.name}, ben {agent.name}.",
    )
    turkish, _ = factories.visitor(contact_data={"name": "Elif"}, locale="tr-TR")
    english, _ = factories.visitor(contact_data={"name": "Jane"}, locale="en-GB")
    client = logged_in(agent)

    response = client.get(render_url(factories.conversation(contact=turkish), reply))
    assert response.status_code == 200
    assert response.json()["text"] == "Merhaba Elif, ben Ayşe."
    assert response.json()["language"] == "tr"
    response = client.get(render_url(factories.conversation(contact=english), reply))
    assert response.json()["text"] == "Hello Jane, I am Ayşe."


def test_the_render_endpoint_checks_both_the_reply_and_the_conversation():
    team, other_team = factories.team(), factories.team()
    agent = factories.agent(teams=[team])
    boss = factories.supervisor()
    foreign_reply = factories.canned_response(by=boss, team=other_team)
    own_reply = factories.canned_response(by=agent)
    topic = factories.topic(team=other_team)
    hidden_conversation = factories.conversation(topic_slug=topic.slug)
    visible_conversation = factories.conversation()
    client = logged_in(agent)

    assert client.get(render_url(visible_conversation, foreign_reply)).status_code == 404
    assert client.get(render_url(hidden_conversation, own_reply)).status_code == 404
    assert client.get(render_url(visible_conversation, own_reply)).status_code == 200
    anonymous = Client().get(render_url(visible_conversation, own_reply))
    assert anonymous.status_code == 302


def test_the_composer_lists_only_the_agents_replies():
    team, other_team = factories.team(), factories.team()
    agent = factories.agent(teams=[team])
    boss = factories.supervisor()
    factories.canned_response(by=agent, shortcut="mine-one", title="Mine")
    factories.canned_response(by=boss, shortcut="team-one", team=team)
    factories.canned_response(by=boss, shortcut="other-one", team=other_team)
    conversation = factories.conversation()

    response = logged_in(agent).get(reverse("console:conversation", args=[conversation.pk]))
    listed = {item["shortcut"] for item in response.context["canned_replies"]}
    assert listed == {"mine-one", "team-one"}
    html = response.content.decode()
    assert 'id="canned-replies" type="application/json"' in html
    assert "other-one" not in html


def test_agents_manage_personal_replies_in_the_console():
    agent = factories.agent()
    client = logged_in(agent)
    page = reverse("console:canned_list")

    response = client.post(
        page, {"title": "Thanks", "shortcut": "thanks", "body_en": "Thank you!", "body_tr": ""}
    )
    assert response.status_code == 302
    reply = CannedResponse.objects.get(shortcut="thanks", owner=agent.user)
    listing = client.get(page)
    assert "/thanks" in listing.content.decode()

    bad = client.post(page, {"title": "Thanks", "shortcut": "thanks", "body_en": "Again"})
    assert bad.status_code == 409
    assert "already used" in bad.content.decode()
    assert 'value="Thanks"' in bad.content.decode()  # what was typed stays in the form

    edit = reverse("console:canned_edit", args=[reply.pk])
    client.post(
        edit,
        {
            "title": "Thanks!",
            "shortcut": "ty",
            "body_en": "Thanks a lot",
            "body_tr": "Çok teşekkürler",
        },
    )
    reply.refresh_from_db()
    assert (reply.shortcut, reply.body_tr) == ("ty", "Çok teşekkürler")

    team = factories.team()
    forbidden = client.post(
        page, {"title": "T", "shortcut": "t", "body_en": "x", "body_tr": "", "team": team.pk}
    )
    assert forbidden.status_code == 403
    assert not CannedResponse.objects.filter(team=team).exists()

    other = factories.agent()
    assert logged_in(other).get(edit).status_code == 404
    assert logged_in(other).post(edit, {"delete": "1"}).status_code == 404
    client.post(edit, {"delete": "1"})
    assert not CannedResponse.objects.filter(pk=reply.pk).exists()


def test_supervisors_make_team_replies_in_the_console_and_the_admin():
    team = factories.team()
    boss = factories.supervisor()
    boss.user.is_staff = True
    boss.user.is_superuser = True
    boss.user.save()
    client = logged_in(boss)

    client.post(
        reverse("console:canned_list"),
        {
            "title": "Refund",
            "shortcut": "refund",
            "body_en": "Steps",
            "body_tr": "",
            "team": team.pk,
        },
    )
    assert CannedResponse.objects.get(shortcut="refund").team == team
    assert client.get(reverse("admin:support_cannedresponse_changelist")).status_code == 200
    assert client.get(reverse("admin:support_label_add")).status_code == 200


def test_the_canned_page_takes_the_same_queries_for_few_and_many_replies(
    django_assert_max_num_queries,
):
    teams = [factories.team() for _ in range(3)]
    boss = factories.supervisor(teams=teams)
    client = logged_in(boss)
    for i in range(3):
        factories.canned_response(by=boss, team=teams[i])
    client.get(reverse("console:canned_list"))
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("console:canned_list"))
    for i in range(30):
        factories.canned_response(by=boss, team=teams[i % 3])
        factories.canned_response(by=boss)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("console:canned_list"))
    assert response.content.decode().count('id="canned-') >= 63
