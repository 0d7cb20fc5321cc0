"""support.templatetags.console: the values inbox rows and thread messages print."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse, set_script_prefix
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from chat import selectors as chat_selectors
from console import presenters, realtime
from console.presenters import _row_pieces, conversation_url, inbox_row, inbox_row_html
from ratings.models import Rating
from support import selectors
from support.models import Conversation, Label
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_row_link_is_reverse_and_follows_the_script_prefix():
    assert conversation_url(42) == reverse("console:conversation", args=[42])
    set_script_prefix("/destek/")
    try:
        assert conversation_url(42) == "/destek/console/conversations/42/"
        assert conversation_url(42) == reverse("console:conversation", args=[42])
    finally:
        set_script_prefix("/")
    assert conversation_url(7) == "/console/conversations/7/"


def test_row_texts_follow_the_active_language():
    conversation = selectors.conversation_get_for_inbox_row(
        conversation_id=factories.conversation().pk
    )
    english = inbox_row(conversation)["status_label"]
    with translation.override("tr"):
        turkish = inbox_row(conversation)["status_label"]
        expected = str(Conversation.Status(conversation.status).label)
    assert english == str(Conversation.Status(conversation.status).label)
    assert turkish == expected and turkish != english


def test_a_row_from_a_plain_conversation_reads_its_unread_column(django_assert_max_num_queries):
    agent = factories.agent(display_name="Deniz")
    conversation = factories.conversation(body="hello")
    factories.message(conversation=conversation, body="again")
    plain = Conversation.objects.select_related(
        "contact", "topic", "rating", "assignee__agent_profile"
    ).get(pk=conversation.pk)
    plain.assignee = agent.user
    with django_assert_max_num_queries(1):  # its labels
        html = render_to_string("console/_inbox_rows.html", {"conversations": [plain]})
    assert 'class="badge"' in html and f">{plain.agent_unread_count}<" in html
    assert '<span class="row-assignee">Deniz</span>' in html
    assert f'href="{reverse("console:conversation", args=[plain.pk])}"' in html


def rows_html(conversation_id: int) -> str:
    conversation = selectors.conversation_get_for_inbox_row(conversation_id=conversation_id)
    return render_to_string("console/_inbox_rows.html", {"conversations": [conversation]})


def template_row(conversation) -> str:
    return render_to_string("console/_inbox_row.html", {"row": inbox_row(conversation)})


def test_a_row_printed_from_pieces_is_the_row_the_template_renders():
    agent = factories.agent(display_name="Deniz <i>")
    conversation = factories.conversation(body="Merhaba <b> & \"quotes\" 'too'\nline")
    Conversation.objects.filter(pk=conversation.pk).update(
        assignee=agent.user, priority="high", context_order_id="A<1>", context_table="7"
    )
    conversation.labels.add(Label.objects.create(name="VIP & co", colour="#aa0000"))
    conversation.labels.add(Label.objects.create(name="<b>", colour="#00aa00"))
    Rating.objects.create(
        conversation=conversation, current_for=conversation, resolved_at=timezone.now(), score=4
    )
    plain = factories.conversation(body="hello")
    whatsapp = factories.conversation(body="selam")
    Conversation.objects.filter(pk=whatsapp.pk).update(
        channel="whatsapp", resolution_breached_at=timezone.now()
    )
    for language in ("en", "tr"):
        with translation.override(language):
            for pk in (conversation.pk, plain.pk, whatsapp.pk):
                loaded = selectors.conversation_get_for_inbox_row(conversation_id=pk)
                assert inbox_row_html(loaded) == template_row(loaded)
    loaded = selectors.conversation_get_for_inbox_row(conversation_id=conversation.pk)
    html = inbox_row_html(loaded)
    assert "VIP &amp; co" in html and "Deniz &lt;i&gt;" in html and "4★" in html
    assert "Merhaba &lt;b&gt; &amp; &quot;quotes&quot; &#x27;too&#x27;" in html


def test_the_live_row_is_the_template_row_in_each_language_from_values_read_once(monkeypatch):
    topic = factories.topic(name_en="Billing", name_tr="Fatura")
    conversation = factories.conversation(body="hello <b>", topic_slug=topic.slug)
    Conversation.objects.filter(pk=conversation.pk).update(priority="high")
    loaded = selectors.conversation_get_for_inbox_row(conversation_id=conversation.pk)
    reads = []
    read_values = presenters.inbox_row_values
    monkeypatch.setattr(
        presenters, "inbox_row_values", lambda conv: reads.append(conv.pk) or read_values(conv)
    )

    live = realtime.inbox_row_each_language(loaded)

    assert reads == [conversation.pk]
    for language in ("en", "tr"):
        with translation.override(language):
            row = mark_safe(template_row(loaded))  # noqa: S308 - the template's own output
            expected = render_to_string("console/oob_inbox_row.html", {"row": row})
        assert live[language] == expected
        assert live[language].startswith('<ul hx-swap-oob="afterbegin:#inbox-list"><li ')
    assert "Fatura" in live["tr"] and "Billing" in live["en"]
    assert live["en"] != live["tr"]


def test_rows_of_one_shape_share_their_pieces_and_another_shape_gets_its_own():
    _row_pieces.cache_clear()
    conversation = factories.conversation(body="first words")
    rows_html(conversation.pk)
    before = _row_pieces.cache_info()
    assert before.misses == 1

    factories.message(conversation=conversation, body="second words")
    changed = rows_html(conversation.pk)
    assert _row_pieces.cache_info().misses == before.misses
    assert "second words" in changed and "first words" not in changed

    conversation.labels.add(Label.objects.create(name="VIP", colour="#aa0000"))
    labelled = rows_html(conversation.pk)
    assert _row_pieces.cache_info().misses == before.misses + 1
    assert labelled == template_row(
        selectors.conversation_get_for_inbox_row(conversation_id=conversation.pk)
    )


def test_a_remembered_row_is_not_shown_in_another_language():
    conversation = factories.conversation(body="hello")
    english = rows_html(conversation.pk)
    with translation.override("tr"):
        turkish = rows_html(conversation.pk)
        label = str(Conversation.Status(conversation.status).label)
    assert label in turkish and turkish != english


def test_a_message_renders_the_same_on_the_page_live_and_on_resume():
    agent = factories.agent(display_name="Deniz")
    conversation = factories.conversation(body="Merhaba <b>")
    factories.message(
        conversation=conversation, sender_type="agent", agent_user=agent.user, body="one\ntwo"
    )
    conversation = selectors.conversation_get_for_inbox_row(conversation_id=conversation.pk)
    page, _has_earlier = chat_selectors.message_objects_page(
        conversation=conversation, before=None, limit=50
    )
    resumed = selectors.message_objects_after(conversation=conversation, after=0, limit=50)

    on_page = render_to_string(
        "console/_timeline.html", {"timeline": page, "conversation": conversation}
    )
    live = [
        render_to_string(
            "console/oob_message.html", {"message": message, "conversation": conversation}
        )
        for message in resumed
    ]
    on_resume = render_to_string(
        "console/oob_messages.html", {"messages": resumed, "conversation": conversation}
    )

    oob = '<div hx-swap-oob="beforeend:#message-list">{}</div>\n'
    assert on_resume == oob.format(on_page)
    articles = on_page.split("</article>\n")[:-1]
    assert live == [oob.format(article + "</article>\n") for article in articles]
    assert '<div class="bubble">Merhaba &lt;b&gt;</div>' in on_page
    assert '<div class="bubble">one<br>two</div>' in on_page and "Deniz" in on_page


def test_the_typing_indicator_from_pieces_is_the_templates():
    from console import realtime

    for language in ("en", "tr"):
        with translation.override(language):
            for state in (True, False):
                assert realtime.typing_html(conversation_id=123456, state=state) == (
                    render_to_string(
                        "console/oob_typing.html",
                        {"conversation_id": 123456, "state": state, "who": "visitor"},
                    )
                )


def test_a_live_message_from_pieces_is_the_templates():
    from console.timeline import live_message_html
    from support.models import Message

    agent = factories.agent(display_name="Deniz <i>")
    conversation = factories.conversation(body='Merhaba <b> & "quotes"\nsecond line')
    messages = [
        factories.message(conversation=conversation, body="visitor\r\n<script>x</script>"),
        factories.message(
            conversation=conversation, sender_type="agent", agent_user=agent.user, body="a & b"
        ),
        factories.message(conversation=conversation, sender_type="bot", body="Bot here"),
        factories.message(conversation=conversation, sender_type="system", body="Assigned"),
    ]
    edited, deleted = (
        factories.message(
            conversation=conversation, sender_type="agent", agent_user=agent.user, body=body
        )
        for body in ("typo", "oops")
    )
    Message.objects.filter(pk=edited.pk).update(edited_at=timezone.now())
    Message.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    Message.objects.filter(pk=messages[1].pk).update(delivery="delivered")
    loaded = selectors.conversation_get_for_inbox_row(conversation_id=conversation.pk)
    # The visitor has read the first agent message: "Seen" on it, not on the later ones.
    loaded.visitor_last_read_id = messages[1].pk
    stored = Message.objects.select_related("sender_agent__agent_profile").filter(
        conversation=conversation
    )
    for language in ("en", "tr"):
        with translation.override(language):
            for message in stored:
                expected = render_to_string(
                    "console/oob_message.html", {"message": message, "conversation": loaded}
                )
                assert live_message_html(message, loaded) == expected, message.body
    html = live_message_html(stored.get(pk=messages[0].pk), loaded)
    assert "visitor<br>&lt;script&gt;x&lt;/script&gt;" in html
