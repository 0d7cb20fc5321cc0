"""The conversation header: its view-model (console.presenters.conversation_header) and the
live header printed from pieces, which must be the template's output for every shape."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse, set_script_prefix
from django.utils import timezone, translation

from console import realtime
from console.languages_in_use import languages
from console.presenters import _header_pieces, conversation_header, live_header_html
from ratings.models import Rating
from support import selectors, services
from support.models import ContactBlock, Conversation, Label
from tests import factories

pytestmark = pytest.mark.django_db

EVIL = "<script>alert(1)</script>"


def template_header(header: dict) -> str:
    return render_to_string("console/oob_conversation_header.html", {"header": header})


def _shaped(status: str, variant: int, *, agents, team, topic, labels) -> int:
    """A conversation of `status` in one of four variants; returns its id."""
    conversation = factories.conversation(body="hello")
    now = timezone.now()
    changes = {"status": status}
    contact = {}
    if variant == 0:  # the bare conversation: anonymous, no IP, nothing attached
        changes.update(first_response_due_at=None, resolution_due_at=None)
    elif variant == 1:  # everything there is, escaped where it can be
        changes.update(
            assignee=agents[0].user,
            topic=topic,
            team=team,
            priority="high",
            context_order_id="A<1>&",
            context_table="7",
            first_response_at=None,
            first_response_due_at=now + timedelta(minutes=2),
            queued_at=now - timedelta(minutes=1),
            resolution_breached_at=now,
            snoozed_until=datetime(2027, 3, 4, 21, 30, tzinfo=UTC),
        )
        contact.update(identified=True, name=f"Ayşe {EVIL}", last_ip="203.0.113.9")
        Rating.objects.create(
            conversation=conversation,
            current_for=conversation,
            resolved_at=now,
            score=2,
            comment=f"Slow {EVIL} " + "x" * 130,
        )
    elif variant == 2:  # the other chip, a name without a profile name, a block, a bare rating
        changes.update(
            assignee=agents[1].user,
            team=team,
            priority="urgent",
            context_table="Masa <5>",
            first_response_at=now,
            resolution_due_at=datetime(2027, 12, 8, 12, 0, tzinfo=UTC),
            first_response_breached_at=now,
        )
        contact.update(
            last_ip="198.51.100.7",
            blocked_by=ContactBlock.objects.create(
                widget=conversation.contact.widget, reason="spam"
            ),
        )
        Rating.objects.create(
            conversation=conversation, current_for=conversation, resolved_at=now, score=5
        )
    else:  # another channel, anonymous with an IP, snoozed until the customer replies
        changes.update(
            channel="whatsapp",
            topic=topic,
            priority="low",
            context_order_id="B-2",
            first_response_at=None,
            first_response_due_at=now - timedelta(minutes=5),
            queued_at=None,
            snoozed_until=None,
        )
        contact.update(last_ip="2001:db8::1", email="a@example.com")
    Conversation.objects.filter(pk=conversation.pk).update(**changes)
    type(conversation.contact).objects.filter(pk=conversation.contact_id).update(**contact)
    conversation.labels.add(*labels[: variant % 3])
    return conversation.pk


@pytest.fixture
def header_shapes():
    agents = [
        factories.agent(display_name=f"Deniz {EVIL}"),
        factories.agent(username="no-profile-name", display_name=""),
    ]
    team = factories.team(name=f"Billing & {EVIL}")
    topic = factories.topic(team=team, name_en=f"Refunds {EVIL}", name_tr="İadeler")
    labels = [
        Label.objects.create(name="VIP & co", colour="#aa0000"),
        Label.objects.create(name=EVIL, colour="#00aa00"),
    ]
    return [
        _shaped(status, variant, agents=agents, team=team, topic=topic, labels=labels)
        for status in Conversation.Status.values
        for variant in range(4)
    ]


def test_the_header_from_pieces_is_the_templates_for_every_shape(header_shapes):
    shapes = set()
    for language in ("en", "tr"):
        with translation.override(language):
            for pk in header_shapes:
                loaded = selectors.conversation_get_for_inbox_row(conversation_id=pk)
                header = conversation_header(loaded)
                assert live_header_html(header) == template_header(header), (language, pk)
                shapes.add((header["status"], header["due"], len(header["labels"])))
    # Every status; both chips and none; 0, 1 and 2 labels.
    assert {status for status, _due, _labels in shapes} == set(Conversation.Status.values)
    assert {due for _status, due, _labels in shapes} == {"", "first_response", "resolution"}
    assert {labels for _status, _due, labels in shapes} == {0, 1, 2}


def test_the_live_header_escapes_what_people_typed(header_shapes):
    full = selectors.conversation_get_for_inbox_row(conversation_id=header_shapes[1])
    html = live_header_html(conversation_header(full))
    assert "<script>" not in html
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert f"<h2>Ayşe {escaped}</h2>" in html  # the contact's name
    assert f"Assigned to Deniz {escaped}" in html  # the assignee's
    assert f"Refunds {escaped}" in html and f"Billing &amp; {escaped}" in html
    assert f'data-label-id="{full.labels.get(name="VIP & co").pk}">VIP &amp; co<' in html
    assert f"“Slow {escaped} xxx" in html and "x" * 120 not in html  # truncated to 120
    assert "Order A&lt;1&gt;&amp;" in html


def test_the_header_prints_dates_in_the_active_language_and_time_zone(header_shapes):
    snoozed = selectors.conversation_get_for_inbox_row(conversation_id=header_shapes[4 * 5 + 1])
    due = selectors.conversation_get_for_inbox_row(conversation_id=header_shapes[4 * 2 + 2])
    assert snoozed.status == "snoozed" and due.status == "open"
    with timezone.override("Europe/Istanbul"):
        english = live_header_html(conversation_header(snoozed))
        assert "Snoozed until 5 Mar 2027, 12:30 a.m." in english
        with translation.override("tr"):
            turkish = live_header_html(conversation_header(due))
            assert "8 Ara 2027 15:00" in turkish
            assert 'datetime="2027-12-08T15:00:00+03:00"' in turkish
            assert turkish == template_header(conversation_header(due))


@pytest.mark.parametrize("script_prefix", ["/", "/destek/"])
def test_each_url_in_the_header_is_the_conversations(header_shapes, script_prefix):
    pk = header_shapes[4 * 2 + 1]  # open and not blocked: every form
    set_script_prefix(script_prefix)
    try:
        html = live_header_html(
            conversation_header(selectors.conversation_get_for_inbox_row(conversation_id=pk))
        )
        for name in (
            "console:conversation_labels_change",
            "console:conversation_status_change",
            "console:conversation_assign",
            "console:conversation_snooze",
            "console:conversation_macro_menu",
            "console:conversation_block",
        ):
            url = reverse(name, args=[pk])
            assert url.startswith(f"{script_prefix}console/") and f'"{url}"' in html, name
        assert f'href="{reverse("console:inbox")}"' in html
    finally:
        set_script_prefix("/")


def test_headers_of_one_shape_share_their_pieces(header_shapes):
    _header_pieces.cache_clear()
    first, second = (
        conversation_header(selectors.conversation_get_for_inbox_row(conversation_id=pk))
        for pk in (header_shapes[1], header_shapes[4 + 1])  # variant 1, bot and queued
    )
    live_header_html(first)
    live_header_html(first)
    assert _header_pieces.cache_info().misses == 1
    live_header_html(second)
    assert _header_pieces.cache_info().misses == 2


def test_a_live_header_comes_in_each_language_and_the_page_hides_assign_to_me_from_its_assignee():
    agent = factories.agent(display_name="Deniz")
    conversation = factories.conversation()
    Conversation.objects.filter(pk=conversation.pk).update(assignee=agent.user, status="open")
    loaded = selectors.conversation_get_for_inbox_row(conversation_id=conversation.pk)
    languages.spoken("tr")  # a Turkish console is connected, besides English ones
    (_group, watchers), *_rows = realtime.conversation_events(loaded, header=True)
    html = watchers["html"]
    assert "Assigned to Deniz" in html["en"] and "Atanan: Deniz" in html["tr"]
    # The page's header and the live one are alike (no viewer in either): both carry the
    # button and the assignee, and the page's one style rule hides the button from them
    # (tests/browser/test_console_notifications.py sees it hidden in both).
    take_form = 'hx-swap="outerHTML">\n      <input type="hidden" name="to"'
    assignee = f'data-assignee="{agent.user.pk}"'
    assert take_form in html["en"] and assignee in html["en"]
    client = factories.logged_in(agent)
    page = client.get(reverse("console:conversation", args=[conversation.pk])).text
    assert take_form in page and assignee in page
    rule = f"#conversation-header[{assignee}] form:has(#take-button) {{ display: none; }}"
    assert rule in page


def test_the_header_offers_the_status_actions_the_gate_allows():
    """Each status button shows exactly when its move is allowed from the status
    (services.STATUS_TRANSITIONS): a bot's conversation has no "Mark pending", which the
    gate would refuse."""
    buttons = {
        "reopen": 'value="reopen"',
        "take": 'id="take-button"',
        "wake": 'id="wake-button"',
        "snooze": 'id="snooze-menu"',
        "pending": 'value="pending"',
        "resolve": 'id="resolve-button"',
    }
    conversation = factories.conversation()
    for status in Conversation.Status.values:
        Conversation.objects.filter(pk=conversation.pk).update(status=status)
        header = conversation_header(
            selectors.conversation_get_for_inbox_row(conversation_id=conversation.pk)
        )
        moves = services.STATUS_TRANSITIONS[status]
        expected = {
            # The ways out of resolved and snoozed; a resolved one is not assigned.
            "reopen": status == "resolved",
            "take": status != "resolved",
            "wake": status == "snoozed",
            "snooze": "snoozed" in moves,
            "pending": "pending" in moves,
            "resolve": "resolved" in moves,
        }
        for html in (template_header(header), live_header_html(header)):
            shown = {name: marker in html for name, marker in buttons.items()}
            assert shown == expected, status
    assert not services.status_moves("bot") & {"pending", "snoozed"}


def test_a_resolved_conversation_has_no_sla_chip():
    now = timezone.now()
    conversation = factories.conversation()
    Conversation.objects.filter(pk=conversation.pk).update(
        status="resolved",
        first_response_at=None,
        queued_at=now,
        first_response_due_at=now + timedelta(minutes=2),
        resolution_due_at=now + timedelta(hours=2),
    )
    header = conversation_header(
        selectors.conversation_get_for_inbox_row(conversation_id=conversation.pk)
    )
    assert header["due"] == "" and "sla-chip" not in live_header_html(header)
    Conversation.objects.filter(pk=conversation.pk).update(status="open")
    header = conversation_header(
        selectors.conversation_get_for_inbox_row(conversation_id=conversation.pk)
    )
    assert header["due"] == "first_response" and "sla-chip" in live_header_html(header)


def test_the_page_shows_the_header_state_a_watching_socket_compares(header_shapes):
    """console.realtime.watch_started sends a page the header again only when its state
    differs: the page's and the socket's view of an unchanged conversation must agree, or
    every page load would swap the header under an open menu."""
    supervisor = factories.supervisor()
    client = factories.logged_in(supervisor)
    for language in ("en", "tr"):
        client.cookies["django_language"] = language
        for pk in header_shapes:
            page = client.get(reverse("console:conversation", args=[pk])).text
            state = re.search(r'id="conversation-header"[^>]* data-state="(\w+)"', page)[1]
            header_html, inbox = realtime.watch_started(
                conversation_id=pk, language=language, header_state=state
            )
            assert header_html == "", (language, pk)
            # The row goes to this one socket: rendered in its language only.
            assert list(inbox["html"]) == [language]
            assert f'id="conv-row-{pk}"' in inbox["html"][language]
    # A change after the page's render: the socket sends the header as it is now.
    client.cookies["django_language"] = "en"
    page = client.get(reverse("console:conversation", args=[header_shapes[0]])).text
    state = re.search(r'id="conversation-header"[^>]* data-state="(\w+)"', page)[1]
    Conversation.objects.filter(pk=header_shapes[0]).update(priority="urgent")
    header_html, _inbox = realtime.watch_started(
        conversation_id=header_shapes[0], language="en", header_state=state
    )
    assert "prio-urgent" in header_html
