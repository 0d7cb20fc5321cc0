"""Live console fragments are rendered in the languages of the consoles connected
(console.languages_in_use), and a socket whose language an event lacks renders it itself:
a console never shows another language."""

from datetime import UTC, datetime

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import dateformat, translation
from django.utils.formats import get_format
from django.utils.timezone import template_localtime

from console import languages_in_use, presenters, realtime, timeline
from console.languages_in_use import LanguagesInUse, languages
from support import selectors, services
from support.models import Contact, Conversation, Message
from tests import factories, sockets

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch):
    """The language of each live message, row and notification rendered."""
    seen = []
    for module, name in (
        (timeline, "live_message_html"),
        (presenters, "live_inbox_row_html"),
        (timeline, "live_notify_html"),
    ):
        render = getattr(module, name)

        def counted(*args, render=render, name=name):
            seen.append((name, translation.get_language()))
            return render(*args)

        monkeypatch.setattr(module, name, counted)
    return seen


def visitor_says(conversation, body: str, django_capture_on_commit_callbacks, monkeypatch):
    """A visitor's message as the widget sends it; what it publishes."""
    published = []
    monkeypatch.setattr(realtime.transport, "publish", published.extend)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(
            conversation=conversation, sender_type=Message.SenderType.VISITOR, body=body
        )
    return published


def console_events(published):
    """The events for the consoles (the widget's come first)."""
    return [(group, event) for group, event in published if group.startswith("console")]


def test_with_english_consoles_only_one_language_is_rendered(
    renders, django_capture_on_commit_callbacks, monkeypatch
):
    languages.spoken("en")
    conversation = factories.conversation()

    published = visitor_says(conversation, "hello", django_capture_on_commit_callbacks, monkeypatch)

    assert sorted(renders) == [
        ("live_inbox_row_html", "en"),
        ("live_message_html", "en"),
        ("live_notify_html", "en"),
    ]
    assert [event["languages"] for _group, event in console_events(published)] == [["en"]] * 3


def test_a_turkish_console_anywhere_adds_turkish(
    renders, django_capture_on_commit_callbacks, monkeypatch
):
    # Recorded by a socket of another process: this one reads the shared record.
    LanguagesInUse().spoken("tr")
    conversation = factories.conversation()

    published = visitor_says(conversation, "hello", django_capture_on_commit_callbacks, monkeypatch)

    assert sorted(language for _name, language in renders) == ["en"] * 3 + ["tr"] * 3
    number = conversation.contact.pk
    _group, watchers = console_events(published)[0]
    assert f"Ziyaretçi #{number}" in watchers["html"]["tr"]
    assert f"Visitor #{number}" in watchers["html"]["en"]
    assert f'data-name="Ziyaretçi #{number}"' in watchers["inbox"]["notify"]["tr"]


def test_the_record_expires_and_is_read_again_at_most_every_few_seconds(monkeypatch):
    other_process = LanguagesInUse()
    clock = [1000.0]
    monkeypatch.setattr(languages_in_use.time, "monotonic", lambda: clock[0])
    assert other_process.current() == ["en"]
    languages.spoken("tr")
    # Read a moment ago: not read again yet.
    assert other_process.current() == ["en"]
    clock[0] += languages_in_use.READ_SECONDS
    assert other_process.current() == ["en", "tr"]
    cache.delete("console-language:tr")  # expired: nobody refreshed it (or Redis lost it)
    clock[0] += languages_in_use.READ_SECONDS
    assert other_process.current() == ["en"]
    # This process's own sockets' languages count at once, until they stop refreshing them.
    assert languages.current() == ["en", "tr"]
    clock[0] += languages_in_use.RECORD_SECONDS
    assert languages.current() == ["en"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("consumer_connections_closed")
async def test_turkish_and_english_consoles_each_get_their_language_even_when_the_record_is_lost(
    channel_layer_kind, settings
):
    """The Turkish console's language is unknown to the publishing process (recorded by
    another process since its last read, or lost by Redis): the event comes in English only,
    and the Turkish sockets render their fragments themselves."""
    contact, _token = await sync_to_async(factories.visitor)()
    conversation = await sync_to_async(factories.conversation)(contact=contact)
    number = contact.pk
    turkish = await sync_to_async(factories.supervisor)()
    turkish.language = "tr"
    await sync_to_async(turkish.save)()
    english = await sync_to_async(factories.supervisor)()
    english.language = "en"
    await sync_to_async(english.save)()
    watching = {}
    for name, profile in (("tr", turkish), ("en", english)):
        user = await sync_to_async(lambda profile=profile: profile.user)()
        # One socket watches the conversation, the other shows the inbox.
        watching[name] = await sockets.console_socket(user)
        await watching[name].send_json_to(
            {"type": "watch", "conversation": conversation.pk, "after": 0}
        )
        await sockets.drain(watching[name])
    inbox_tr = await sockets.console_socket(
        await sync_to_async(lambda: turkish.user)(), inbox=sockets.EVERY_ACTIVE
    )
    await sockets.drain(inbox_tr)
    languages.clear()
    await sync_to_async(cache.clear)()
    published = []
    send = realtime.transport.publish

    def publish(outgoing):
        published.extend(outgoing)
        send(outgoing)

    def visitor_message():
        realtime.transport.publish = publish
        try:
            message, _created = services.message_send(
                conversation=Conversation.objects.get(pk=conversation.pk),
                sender_type=Message.SenderType.VISITOR,
                body="Merhaba",
            )
        finally:
            realtime.transport.publish = send
        return message

    message = await sync_to_async(visitor_message)()

    assert {tuple(event["languages"]) for _group, event in console_events(published)} == {("en",)}
    tr_html = await sockets.receive_html_until(watching["tr"], f'id="message-{message.pk}"')
    en_html = await sockets.receive_html_until(watching["en"], f'id="message-{message.pk}"')
    assert f"Ziyaretçi #{number}" in tr_html and f"Visitor #{number}" not in tr_html
    assert f"Visitor #{number}" in en_html and f"Ziyaretçi #{number}" not in en_html
    # The inbox socket's row and notification come in batches: Turkish too.
    row = await sockets.receive_html_until(inbox_tr, f'id="conv-row-{conversation.pk}"')
    assert f"Ziyaretçi #{number}" in row and f"Visitor #{number}" not in row
    assert f'data-name="Ziyaretçi #{number}"' in row
    for socket in (*watching.values(), inbox_tr):
        await socket.disconnect()


def notify_template(message, conversation) -> str:
    return render_to_string(
        "console/oob_notify.html",
        {"kind": "message", "conversation": conversation, "message": message},
    )


def test_the_notification_from_pieces_is_the_templates_in_each_language():
    team = factories.team()
    agent = factories.agent()
    anonymous = factories.conversation()
    named = factories.conversation()
    Contact.objects.filter(pk=named.contact_id).update(name='Ayşe <b> & "co"')
    Conversation.objects.filter(pk=named.pk).update(team=team, assignee=agent.user)
    decomposed = "e\u0301"  # é as e and a combining accent: the filter composes it
    bodies = [
        "hi",
        "<script>x</script> & 'q'\nline",
        "ğ" * 139 + "<>",
        "é" * 200 + " &",
        decomposed * 140,
        decomposed * 141,
        "\u0958" * 100,  # decomposes into two characters under NFC, the second combining
    ]
    for conversation in (anonymous, named):
        loaded = selectors.conversation_get_for_inbox_row(conversation_id=conversation.pk)
        for body in bodies:
            message = factories.message(conversation=conversation, body=body)
            for language in ("en", "tr"):
                with translation.override(language):
                    expected = notify_template(message, loaded)
                    assert timeline.live_notify_html(message, loaded) == expected
    with translation.override("tr"):
        assert f"Ziyaretçi #{anonymous.contact.pk}" in timeline.live_notify_html(
            message, selectors.conversation_get_for_inbox_row(conversation_id=anonymous.pk)
        )


def test_a_live_message_read_once_is_the_templates_in_each_language():
    conversation = factories.conversation()
    agent = factories.agent(display_name="Deniz")
    loaded = selectors.conversation_get_for_inbox_row(conversation_id=conversation.pk)
    for sender in ("visitor", "agent", "bot"):
        message = factories.message(
            conversation=conversation,
            sender_type=sender,
            agent_user=agent.user if sender == "agent" else None,
            body="Tamam <b>",
        )
        message = Message.objects.select_related("sender_agent__agent_profile").get(pk=message.pk)
        with translation.override("en"):
            values = timeline.live_message_values(message, loaded)
        for language in ("en", "tr"):
            with translation.override(language):
                expected = render_to_string(
                    "console/oob_message.html", {"message": message, "conversation": loaded}
                )
                assert timeline.live_message_html(message, loaded, values) == expected


@pytest.mark.parametrize("language", ["en", "tr"])
def test_dates_printed_once_a_minute_are_what_the_format_prints(language, settings):
    formats = []
    with translation.override(language):
        formats = [get_format("DATETIME_FORMAT"), get_format("TIME_FORMAT"), "H:i:s", r"\s i"]
        moments = [
            datetime(2026, 12, 8, 0, 0, 5, tzinfo=UTC),
            datetime(2026, 12, 8, 0, 0, 59, 999, tzinfo=UTC),
            datetime(2026, 12, 8, 9, 0, 1, tzinfo=UTC),
            datetime(2026, 3, 29, 0, 30, 7, tzinfo=UTC),
        ]
        for time_zone in ("Europe/Istanbul", "Europe/London", "UTC"):
            settings.TIME_ZONE = time_zone
            for moment in moments:
                local = template_localtime(moment)
                for format_string in formats:
                    assert presenters.date_printed(
                        dateformat.format, local, format_string
                    ) == dateformat.format(local, format_string)
                    if not {"N", "d", "F", "Y", "j"}.intersection(format_string):
                        assert presenters.date_printed(
                            dateformat.time_format, local, format_string
                        ) == dateformat.time_format(local, format_string)
