"""The greeting bot and the help articles in real browsers: a Turkish visitor asks, reads the
suggested article inside the widget, votes, goes back to the chat and asks for a person; an
agent in the console answers live."""

import json
import re

from playwright.sync_api import expect

from tests.browser.pages import WidgetNetwork, agent_login, open_widget

SETUP = """
from support.models import AgentProfile, Conversation, Widget
Conversation.objects.all().delete()
Widget.objects.filter(key="demo").update(bot_enabled=True)
AgentProfile.objects.update(capacity=5)
"""
ALLERGEN_ARTICLE = "alerjenler-ve-glutensiz"
FEEDBACK = """
from faq.models import Article
a = Article.objects.get(language="tr", slug="%s")
votes = a.feedback.values_list("voter_key", "helpful")
print("feedback:", a.helpful_yes_count, a.helpful_no_count, *votes)
"""


def widget_frame(page):
    return next(f for f in page.frames if "/widget/" in f.url)


def ask(widget, text):
    widget.locator("#composer-input").fill(text)
    widget.locator("#composer-input").press("Enter")
    # The greeting, then the suggestions for the question.
    suggestions = widget.locator(".msg-bot:has([data-action-type=solved])")
    expect(widget.locator(".msg-bot").first).to_be_visible()
    expect(suggestions).to_have_count(1)
    return suggestions


def test_visitor_reads_the_suggested_article_votes_and_is_handed_to_an_agent(
    stack, server, new_context
):
    stack.manage("shell", "-c", SETUP)
    agent = new_context().new_page()
    agent_login(agent, server)
    expect(agent.locator("#inbox-list .inbox-row")).to_have_count(0)

    visitor = new_context(locale="tr-TR").new_page()
    widget = open_widget(visitor, server)
    suggestions = ask(widget, "kruvasan glutensiz mi")
    greeting = widget.locator(".msg-bot").first
    expect(greeting.locator("[data-action-type=handoff]")).to_be_enabled()

    faq_chip = suggestions.locator("[data-action-type=faq]").first
    expect(faq_chip).to_have_text(re.compile("glutensiz", re.IGNORECASE))
    expect(suggestions.locator("[data-action-type=solved]")).to_be_enabled()

    # A draft and a scroll position that "Back to chat" must bring back.
    widget.locator("#composer-input").fill("Bir de şunu soracaktım")
    scroller = widget.locator("#scroller")
    scrolled = scroller.evaluate("e => e.scrollTop")

    faq_chip.click()
    panel = widget.locator("#faq-panel")
    expect(panel).to_be_visible()
    expect(widget.locator("#faq-title")).to_have_text(re.compile("glutensiz", re.IGNORECASE))
    body = widget.locator("#faq-body")
    expect(body).to_be_visible()
    expect(body).to_contain_text("Kruvasan ve simitlerimiz")
    assert body.locator("script").count() == 0
    for link in body.locator("a[href]").all():
        expect(link).to_have_attribute("target", "_blank")
        expect(link).to_have_attribute("rel", re.compile(r"\bnoopener\b.*\bnoreferrer\b"))
    # Opening an article sends nothing to the chat.
    expect(widget.locator(".msg-visitor")).to_have_count(1)

    widget.locator("#faq-feedback [data-helpful=no]").click()
    expect(widget.locator("#faq-thanks")).to_be_visible()
    expect(widget.locator("#faq-yes")).to_be_hidden()

    widget.locator("#faq-back").click()
    expect(panel).to_be_hidden()
    expect(widget.locator("#composer-input")).to_have_value("Bir de şunu soracaktım")
    assert abs(scroller.evaluate("e => e.scrollTop") - scrolled) <= 1
    widget.locator("#composer-input").fill("")

    handoff = suggestions.locator("[data-action-type=handoff]")
    handoff_label = handoff.inner_text()
    handoff.click()
    expect(widget.locator(".msg-visitor", has_text=handoff_label)).not_to_have_class(
        re.compile(r"\bpending\b")
    )
    # Answered chips and those of a conversation the bot no longer has are off; articles
    # can still be read.
    for chip in widget.locator(".chip:not([data-action-type=faq])").all():
        expect(chip).to_be_disabled()
    expect(faq_chip).to_be_enabled()

    # While waiting, the visitor browses the help articles from the header.
    widget.locator("#faq-button").click()
    expect(widget.locator("#faq-results .faq-item").first).to_be_visible()

    # The agent sees the handed-off conversation arrive, reads the question and answers.
    row = agent.locator("#inbox-list .inbox-row")
    expect(row).to_have_count(1)
    expect(row).not_to_have_attribute("data-status", "bot")
    row.locator("a").click()
    expect(agent.locator("#message-list")).to_contain_text("kruvasan glutensiz mi")
    agent.locator("#composer-body").fill("Merhaba! Bademli kekimiz glutensiz, ister misiniz?")
    agent.locator("#composer-body").press("Enter")

    # The panel says there is news; back in the chat, the reply is there.
    expect(widget.locator("#faq-back .faq-fresh")).to_be_visible()
    widget.locator("#faq-back").click()
    expect(widget.locator(".msg-agent", has_text="Bademli kekimiz glutensiz")).to_be_visible()

    # Stored: one "no" from this contact (the shell may print other lines first).
    output = stack.manage("shell", "-c", FEEDBACK % ALLERGEN_ARTICLE)
    stored = re.search(r"^feedback: (.*)$", output, re.MULTILINE).group(1)
    assert re.fullmatch(r"0 1 \('contact:\d+', False\)", stored), output


def test_help_panel_searches_as_you_type_and_escape_returns_to_the_chat(stack, server, new_context):
    stack.manage("shell", "-c", SETUP)
    visitor = new_context(locale="en-GB", viewport={"width": 390, "height": 760}).new_page()
    searches = []
    visitor.on(
        "request", lambda r: searches.append(r.url) if "/api/widget/v1/faq?" in r.url else None
    )
    widget = open_widget(visitor, server)
    ask(widget, "my order is missing")
    widget.locator("#composer-input").fill("half-typed")

    # Not part of the first open: the module and its styles arrive on first use.
    assert not any(
        "faq.js" in f
        for f in widget_frame(visitor).evaluate(
            "() => performance.getEntriesByType('resource').map(e => e.name)"
        )
    )
    button = widget.locator("#faq-button")
    expect(button).to_have_attribute("aria-label", re.compile(r"\S"))
    button.click()
    panel = widget.locator("#faq-panel")
    expect(panel).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    # An empty query lists the top articles.
    expect(widget.locator("#faq-results .faq-item").first).to_be_visible()
    assert widget.locator("#faq-results .faq-item").count() >= 3

    searches.clear()
    widget.locator("#faq-search").press_sequentially("loyalty", delay=20)
    first = widget.locator("#faq-results .faq-item").first
    expect(first).to_contain_text("Loyalty card")
    # Debounced: typing seven characters quickly asks once or so, not seven times.
    assert 1 <= len(searches) <= 3, searches
    assert "lang=en" in searches[-1]

    first.click()
    expect(widget.locator("#faq-body")).to_be_visible()
    widget.locator("#faq-all").click()
    expect(widget.locator("#faq-search")).to_have_value("loyalty")
    expect(widget.locator("#faq-results .faq-item").first).to_contain_text("Loyalty card")

    widget.locator("#faq-search").press("Escape")
    expect(panel).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")
    # Escape closed the panel, not the widget.
    expect(visitor.locator("#destek-frame")).to_be_visible()
    expect(widget.locator("#composer-input")).to_have_value("half-typed")
    expect(widget.locator(".msg-bot:has([data-action-type=solved])")).to_be_visible()

    # Reopening keeps the last search; the header button toggles the panel.
    button.click()
    expect(widget.locator("#faq-search")).to_have_value("loyalty")
    button.click()
    expect(panel).to_be_hidden()


def test_a_chip_pressed_offline_keeps_its_action_until_it_is_sent(stack, server, new_context):
    stack.manage("shell", "-c", SETUP)
    context = new_context(locale="en-GB")
    network = WidgetNetwork(context)
    visitor = context.new_page()
    widget = open_widget(visitor, server)
    suggestions = ask(widget, "payment failed")

    network.drop()
    expect(widget.locator("#connection-status")).to_be_visible()
    suggestions.locator("[data-action-type=handoff]").click()
    expect(suggestions.locator("[data-action-type=solved]")).to_be_disabled()
    outbox = json.loads(
        widget_frame(visitor).evaluate("() => localStorage.getItem('destek:demo:outbox')")
    )
    assert [e["action"] for e in outbox] == [{"type": "handoff", "value": ""}]

    network.restore()
    label = suggestions.locator("[data-action-type=handoff]").inner_text()
    expect(widget.locator(".msg-visitor", has_text=label)).not_to_have_class(
        re.compile(r"\bpending\b"), timeout=20_000
    )
    # The bot heard the action: it hands over to a person instead of suggesting again.
    expect(widget.locator(".msg-bot").last).to_contain_text(
        re.compile("person|line|moment", re.IGNORECASE)
    )
    expect(widget.locator(".msg-bot:has([data-action-type=solved])")).to_have_count(1)
