"""The live inbox over real console sockets: the server sends each socket only the rows its
agent may see and its inbox lists, and withdraws a row that leaves (console.realtime)."""

from asgiref.sync import sync_to_async

from support import services as support_services
from tests import factories, sockets

pytestmark = sockets.SOCKET_TESTS

MINE = {"type": "inbox", "view": "mine", "status": "active"}


def withdrawn(conversation) -> str:
    return f'<li id="conv-row-{conversation.pk}" hx-swap-oob="delete"></li>'


def billing_team_chat():
    """A queued conversation of the billing team; its agent, another team's, a supervisor."""
    billing, shipping = factories.team(), factories.team()
    factories.topic(slug="billing", team=billing)
    conversation = factories.conversation(topic_slug="billing")
    return {
        "conversation": conversation,
        "billing_agent": factories.agent(teams=[billing]),
        "shipping_agent": factories.agent(teams=[shipping]),
        "supervisor": factories.supervisor(),
    }


async def user_of(profile):
    return await sync_to_async(lambda: profile.user)()


async def test_another_teams_agent_never_receives_the_row_a_supervisor_does(channel_layer_kind):
    chat = await sync_to_async(billing_team_chat)()
    conversation = chat["conversation"]
    row = f"conv-row-{conversation.pk}"
    billing = await sockets.console_socket(await user_of(chat["billing_agent"]))
    shipping = await sockets.console_socket(await user_of(chat["shipping_agent"]))
    supervisor = await sockets.console_socket(await user_of(chat["supervisor"]))

    await sync_to_async(factories.message)(conversation=conversation, body="Refund please")

    assert "Refund please" in await sockets.receive_html_until(billing, row)
    assert "Refund please" in await sockets.receive_html_until(supervisor, row)
    # Nothing of it: no row, no notification, not even a withdrawal.
    assert not any(str(conversation.pk) in html for html in await sockets.drain(shipping))
    for socket in (billing, shipping, supervisor):
        await socket.disconnect()


async def test_a_row_the_inbox_does_not_list_is_withdrawn_not_sent(channel_layer_kind):
    chat = await sync_to_async(billing_team_chat)()
    conversation = chat["conversation"]
    mine = await sockets.console_socket(await user_of(chat["billing_agent"]), inbox=MINE)
    everything = await sockets.console_socket(
        await user_of(chat["billing_agent"]), inbox=sockets.EVERY_ACTIVE
    )

    await sync_to_async(factories.message)(conversation=conversation, body="Still there?")

    frames = await sockets.drain(mine)
    assert any(withdrawn(conversation) in html for html in frames)
    assert not any('class="inbox-row' in html for html in frames)
    assert "Still there?" in await sockets.receive_html_until(
        everything, f"conv-row-{conversation.pk}"
    )
    # A page without the inbox list (search, reports) is sent no rows at all.
    bare = await sockets.console_socket(await user_of(chat["billing_agent"]), inbox=None)
    await sync_to_async(factories.message)(conversation=conversation, body="Hello?")
    frames = await sockets.drain(bare)
    assert not any("conv-row" in html for html in frames)
    # Its notification still comes: it concerns this agent, whatever the page shows.
    assert any('data-kind="message"' in html and "Hello?" in html for html in frames)
    for socket in (mine, everything, bare):
        await socket.disconnect()


async def test_a_reassigned_conversation_leaves_the_old_assignees_inbox(channel_layer_kind):
    chat = await sync_to_async(billing_team_chat)()
    conversation = chat["conversation"]
    boss = await user_of(chat["supervisor"])
    # Lent to another team's agent, then given back to the team: they may not see it any more.
    lent_to = await user_of(chat["shipping_agent"])
    await sync_to_async(support_services.conversation_assign)(
        conversation=conversation, to_user=lent_to, by_user=boss
    )
    old = await sockets.console_socket(lent_to, inbox=MINE)
    new_user = await user_of(chat["billing_agent"])
    new = await sockets.console_socket(new_user, inbox=MINE)

    await sync_to_async(support_services.conversation_assign)(
        conversation=conversation, to_user=new_user, by_user=boss
    )

    assert withdrawn(conversation) in await sockets.receive_html_until(old, 'hx-swap-oob="delete"')
    html = await sockets.receive_html_until(new, f'id="conv-row-{conversation.pk}" class=')
    assert f'data-assignee="{new_user.pk}"' in html
    # Gone for good: later messages of it do not reach the old assignee.
    await sync_to_async(factories.message)(conversation=conversation, body="Thanks!")
    assert not any("Thanks!" in html for html in await sockets.drain(old))
    await old.disconnect()
    await new.disconnect()


def read_mark(conversation) -> str:
    return f'class="read-mark" data-conversation="{conversation.pk}"'


async def test_an_agents_read_mark_is_not_echoed_to_the_console_that_sent_it(channel_layer_kind):
    """console.js drops the row's unread mark when it sends the read: the sending socket is
    not sent it back, while the agent's other consoles and the team's other agents are."""
    billing = await sync_to_async(factories.team)()
    await sync_to_async(factories.topic)(slug="billing", team=billing)
    conversation = await sync_to_async(factories.conversation)(topic_slug="billing")
    first_message = await sync_to_async(conversation.messages.get)()
    reader = await user_of(await sync_to_async(factories.agent)(teams=[billing]))
    colleague = await user_of(await sync_to_async(factories.agent)(teams=[billing]))
    reading = await sockets.console_socket(reader)
    same_agent = await sockets.console_socket(reader)
    other_agent = await sockets.console_socket(colleague)
    await reading.send_json_to({"type": "watch", "conversation": conversation.pk, "after": 0})
    await sockets.receive_html_until(reading, "I need help")
    await sockets.drain(reading)

    await reading.send_json_to(
        {"type": "read", "conversation": conversation.pk, "up_to": first_message.pk}
    )

    await sockets.receive_html_until(same_agent, read_mark(conversation))
    await sockets.receive_html_until(other_agent, read_mark(conversation))
    # The same event reached the groups the sending socket is in, with the others'.
    assert not [f for f in await sockets.drain(reading, quiet=0.6) if "read-mark" in f]
    for socket in (reading, same_agent, other_agent):
        await socket.disconnect()
