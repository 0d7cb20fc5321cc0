"""Live console tools over real sockets: notes, mentions, labels, new-message notifications.
The visitor's socket is watched throughout: nothing internal may reach it."""

from asgiref.sync import sync_to_async

from console import presenters
from support import selectors as support_selectors
from support import services as support_services
from tests import factories, sockets

pytestmark = sockets.SOCKET_TESTS

SECRET = "NOTE-SECRET do not tell the visitor"


def setup_chat():
    team = factories.team()
    topic = factories.topic(team=team)
    contact, token = factories.visitor()
    conversation = factories.conversation(
        contact=contact, body="Bill will not close", topic_slug=topic.slug
    )
    author = factories.agent(username="author", teams=[team], display_name="Ayşe")
    mentioned = factories.agent(username="mehmet", teams=[team])
    outsider = factories.agent(username="outsider", teams=[factories.team()])
    boss = factories.supervisor(username="boss")
    return {
        "team": team,
        "token": token,
        "conversation": conversation,
        "author": author,
        "mentioned": mentioned,
        "outsider": outsider,
        "boss": boss,
        "users": {
            name: profile.user
            for name, profile in (
                ("author", author),
                ("mentioned", mentioned),
                ("outsider", outsider),
                ("boss", boss),
            )
        },
    }


async def test_a_note_reaches_consoles_and_mentioned_agents_never_the_visitor(channel_layer_kind):
    chat = await sync_to_async(setup_chat)()
    conversation, users = chat["conversation"], chat["users"]

    visitor = await sockets.visitor_socket(chat["token"])
    await visitor.send_json_to({"type": "subscribe", "conversation": conversation.pk, "after": 0})
    await sockets.receive_until(visitor, lambda f: f["type"] == "conversation.updated")

    author_console = await sockets.console_socket(users["author"])
    await author_console.send_json_to(
        {"type": "watch", "conversation": conversation.pk, "after": 0}
    )
    await sockets.receive_html_until(author_console, "Bill will not close")
    mentioned_console = await sockets.console_socket(users["mentioned"])
    outsider_console = await sockets.console_socket(users["outsider"])
    boss_console = await sockets.console_socket(users["boss"])

    await sync_to_async(support_services.note_create)(
        conversation=conversation, author=chat["author"], body=f"@mehmet @outsider @boss {SECRET}"
    )

    html = await sockets.receive_html_until(author_console, "msg-note")
    assert SECRET in html and 'hx-swap-oob="beforeend:#message-list"' in html
    mention = await sockets.receive_html_until(mentioned_console, 'data-kind="mention"')
    assert 'data-name="Ayşe"' in mention
    assert f'data-conversation="{conversation.pk}"' in mention
    await sockets.receive_html_until(boss_console, 'data-kind="mention"')  # supervisors too
    assert not any("mention" in f for f in await sockets.drain(outsider_console))

    # Nothing reached the visitor live, and a resume from the start has no note either.
    assert await sockets.drain(visitor) == []
    await visitor.send_json_to({"type": "subscribe", "conversation": conversation.pk, "after": 0})
    frames = []
    while True:
        frame = await visitor.receive_json_from(timeout=5)
        frames.append(frame)
        if frame["type"] == "conversation.updated":
            break
    assert "NOTE-SECRET" not in str(frames)
    assert [f["message"]["body"] for f in frames if f["type"] == "message.new"] == [
        "Bill will not close"
    ]
    for socket in (visitor, author_console, mentioned_console, outsider_console, boss_console):
        await socket.disconnect()


async def test_a_console_that_was_away_gets_the_notes_it_missed(channel_layer_kind):
    chat = await sync_to_async(setup_chat)()
    conversation = chat["conversation"]
    first = await sync_to_async(factories.note)(
        conversation=conversation, author=chat["author"], body="first note"
    )
    await sync_to_async(factories.note)(
        conversation=conversation, author=chat["author"], body="missed note"
    )

    console = await sockets.console_socket(chat["users"]["author"])
    await console.send_json_to(
        {"type": "watch", "conversation": conversation.pk, "after": 10**9, "notes_after": first.pk}
    )
    html = await sockets.receive_html_until(console, "missed note")
    assert "first note" not in html
    await console.disconnect()


async def test_a_visitor_message_carries_a_notification_for_consoles_an_agent_reply_does_not(
    channel_layer_kind,
):
    chat = await sync_to_async(setup_chat)()
    conversation = chat["conversation"]
    console = await sockets.console_socket(chat["users"]["mentioned"])

    await sync_to_async(factories.message)(conversation=conversation, body="Any news?")
    html = await sockets.receive_html_until(console, "Any news?")
    assert 'data-kind="message"' in html
    assert f'data-team="{chat["team"].pk}"' in html
    assert 'data-assignee=""' in html

    await sync_to_async(factories.message)(
        conversation=conversation,
        sender_type="agent",
        body="Looking",
        agent_user=chat["users"]["author"],
    )
    frames = await sockets.drain(console)
    assert any("Looking" in f for f in frames)
    assert not any('data-kind="message"' in f for f in frames)
    await console.disconnect()


async def test_labels_update_the_inbox_row_live_and_never_tell_the_visitor(channel_layer_kind):
    chat = await sync_to_async(setup_chat)()
    conversation = chat["conversation"]
    label = await sync_to_async(factories.label)(name="VIP-customer", colour="#aa0000")
    visitor = await sockets.visitor_socket(chat["token"])
    console = await sockets.console_socket(chat["users"]["mentioned"])

    await sync_to_async(support_services.conversation_label_add)(
        conversation=conversation, label_id=label.pk
    )
    html = await sockets.receive_html_until(console, f"conv-row-{conversation.pk}")
    assert "VIP-customer" in html
    assert f'data-labels="{label.pk}"' in html
    assert await sockets.drain(visitor) == []

    await sync_to_async(support_services.conversation_label_remove)(
        conversation=conversation, label_id=label.pk
    )
    html = await sockets.receive_html_until(console, f"conv-row-{conversation.pk}")
    assert "VIP-customer" not in html
    await visitor.disconnect()
    await console.disconnect()


async def test_a_console_that_starts_watching_gets_the_row_and_a_changed_header(
    channel_layer_kind,
):
    """A change committed after the page rendered but before its socket watched the
    conversation (a page still connecting, a phone's socket away) reached no group the socket
    was in: the watch brings the row up to date, and the header unless the page's (its state)
    is the conversation's now."""
    chat = await sync_to_async(setup_chat)()
    conversation = chat["conversation"]
    page_state = (await sync_to_async(header_of)(conversation))["state"]
    label = await sync_to_async(factories.label)(name="VIP-customer", colour="#aa0000")
    await sync_to_async(support_services.conversation_label_add)(
        conversation=conversation, label_id=label.pk
    )
    watch = {"type": "watch", "conversation": conversation.pk, "after": 0}

    console = await sockets.console_socket(chat["users"]["author"])
    await console.send_json_to({**watch, "header_state": page_state})
    html = await sockets.receive_html_until(console, 'id="conversation-header"')
    assert 'hx-swap-oob="outerHTML:#conversation-header"' in html
    assert f'data-label-id="{label.pk}"' in html
    row = html[html.index(f'id="conv-row-{conversation.pk}"') :]
    assert f'data-labels="{label.pk}"' in row

    # A page that shows this header already (its own label change answered it) gets the row,
    # which that answer did not bring, and not the header.
    now_state = (await sync_to_async(header_of)(conversation))["state"]
    assert now_state != page_state
    current = await sockets.console_socket(chat["users"]["author"])
    await current.send_json_to({**watch, "header_state": now_state})
    html = await sockets.receive_html_until(current, f'id="conv-row-{conversation.pk}"')
    assert f'data-labels="{label.pk}"' in html
    assert "conversation-header" not in html + "".join(await sockets.drain(current))

    # A page without the inbox list: the header only.
    away = await sockets.console_socket(chat["users"]["author"], inbox=None)
    await away.send_json_to({**watch, "header_state": page_state})
    html = await sockets.receive_html_until(away, 'id="conversation-header"')
    assert f"conv-row-{conversation.pk}" not in html
    for socket in (console, current, away):
        await socket.disconnect()


def header_of(conversation):
    fresh = support_selectors.conversation_get_for_inbox_row(conversation_id=conversation.pk)
    return presenters.conversation_header(fresh)
