"""The console on a phone (390 × 844): no page is wider than the screen, the inbox is a full
width list, a conversation is its thread and composer with a back link to the inbox, and the
contact panel opens as its own view. The demo pages fit too. English and Turkish."""

import pytest
from playwright.sync_api import expect

from tests.browser.pages import SUPERVISOR, agent_login, page_errors

PHONE = {"width": 390, "height": 844}
LONG_MESSAGE = """
from support.models import Message
from support.models import Conversation
conversation = Conversation.objects.order_by("pk").first()
Message.objects.filter(conversation=conversation, sender_type="visitor").update(
    body="The receipt says https://example.org/" + "a" * 120 + " and nothing else"
)
"""


def width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def box(page, selector) -> dict:
    return page.locator(selector).bounding_box()


@pytest.mark.parametrize("locale", ["en-GB", "tr-TR"])
def test_every_console_page_fits_a_phone(stack, server, new_context, locale):
    stack.manage("shell", "-c", LONG_MESSAGE)
    page = new_context(viewport=PHONE, locale=locale).new_page()
    errors = page_errors(page)
    agent_login(page, server, SUPERVISOR, view="all")

    # The inbox: the list, full width, the navigation below it.
    assert width(page) <= 390, "inbox"
    assert box(page, ".inbox")["width"] == 390
    rail = box(page, ".rail")
    assert rail["y"] + rail["height"] <= 844 and rail["width"] == 390
    # The supervisor's rail (Contacts, Privacy, Settings, Alerts…) scrolls inside itself.
    page.screenshot(path=f"test-artifacts/console-phone-{locale}.png")

    # A conversation: the thread and the composer, full width; the inbox is one tap back.
    page.locator(".inbox-row .row-link").first.click()
    expect(page.locator("#composer-body")).to_be_visible()
    assert width(page) <= 390, "conversation"
    expect(page.locator(".inbox")).to_be_hidden()
    assert box(page, "#message-scroller")["width"] == 390
    composer = box(page, "#composer")
    assert composer["x"] >= 0 and composer["x"] + composer["width"] <= 390
    assert composer["y"] + composer["height"] <= rail["y"]
    expect(page.locator("#composer button[type=submit]")).to_be_in_viewport()
    expect(page.locator("#conversation-header h2")).to_be_visible()
    assert box(page, "#conversation-header h2")["width"] > 100  # the name, not "E…"

    # The contact panel: its own view, closed again with ×.
    expect(page.locator("#contact-panel")).to_be_hidden()
    page.locator("#contact-toggle").click()
    panel = box(page, "#contact-panel")
    assert panel["x"] == 0 and panel["width"] == 390
    expect(page.locator("#contact-close")).to_be_in_viewport()
    assert width(page) <= 390, "contact panel"
    page.locator("#contact-close").click()
    expect(page.locator("#contact-panel")).to_be_hidden()

    page.locator("#conversation-header .back").click()
    expect(page.locator(".inbox")).to_be_visible()

    for path in (
        "reports/",
        "canned/",
        "search/?q=receipt",
        "privacy/",
        "contacts/",
        "settings/",
        "alerts/",
        "settings/teams/",
    ):
        page.goto(f"{server}/console/{path}")
        page.wait_for_load_state("networkidle")
        assert width(page) <= 390, path
        expect(page.locator(".rail")).to_be_in_viewport()
        # The pane scrolls, not the page: a page taller than the screen slides the rail
        # away over blank space (hidden table captions placed against the page did that).
        assert height(page) <= 844, path
    page.locator("a.settings-row-name").first.click()
    page.locator("a[href$='/hours/']").click()
    expect(page.locator("#hours")).to_be_visible()
    assert height(page) <= 844, "team hours"
    for path in ("/demo/", "/demo/app/"):
        page.goto(f"{server}{path}")
        page.wait_for_load_state("networkidle")
        assert width(page) <= 390, path
    assert not errors, errors


LONG_EMAIL = """
from support.models import Conversation
conversation = Conversation.objects.order_by("pk").first()
conversation.contact.email = "sukruye.buyukcekmeceli.karamanogullari@ornek-restoran-zinciri.com.tr"
conversation.contact.save(update_fields=["email"])
print(conversation.pk)
"""


def test_the_contact_panel_stays_beside_the_thread_on_a_wide_screen(stack, server, new_context):
    conversation_id = stack.manage("shell", "-c", LONG_EMAIL).split()[-1]
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    errors = page_errors(page)
    agent_login(page, server, view="all")
    page.goto(f"{server}/console/conversations/{conversation_id}/")
    expect(page.locator("#contact-panel")).to_be_visible()
    # A long e-mail address breaks inside the panel instead of running off its edge.
    panel = box(page, "#contact-panel")
    email = page.locator("#contact-email").evaluate("p => p.scrollWidth <= p.clientWidth")
    assert email, "the e-mail address runs off the contact panel"
    address = box(page, "#contact-email")
    assert address["x"] + address["width"] <= panel["x"] + panel["width"]
    expect(page.locator("#contact-toggle")).to_be_hidden()
    expect(page.locator(".inbox")).to_be_visible()
    assert width(page) <= 1280
    assert not errors, errors


# Every choice of each inbox filter, against the room its select leaves for text (Chromium's
# arrow takes ~24 px of it): a choice wider than that is cut ("All activ", "Tüm etkin").
FILTER_ROOM = """[...document.querySelectorAll(".inbox-filters select")].map(select => {
  const style = getComputedStyle(select);
  const pen = document.createElement("canvas").getContext("2d");
  pen.font = style.font;
  const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
  const room = select.clientWidth - padding - 20;
  const widths = [...select.options].map(o => [pen.measureText(o.text).width, o.text]);
  const [width, text] = widths.sort((a, b) => b[0] - a[0])[0];
  return {id: select.id, room: room, text: text, width: width};
})"""
# The composer's placeholder against the width of the box's lines.
PLACEHOLDER = """(() => {
  const box = document.querySelector("#composer-body"), style = getComputedStyle(box);
  const pen = document.createElement("canvas").getContext("2d");
  pen.font = style.font;
  const line = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const width = pen.measureText(box.placeholder).width;
  return {text: box.placeholder, width: width, room: line * box.rows};
})()"""


@pytest.mark.parametrize("locale", ["en-GB", "tr-TR"])
@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 800}], ids=["phone", "wide"])
def test_the_inbox_filters_and_the_composer_hint_are_not_cut(server, new_context, locale, viewport):
    page = new_context(viewport=viewport, locale=locale).new_page()
    errors = page_errors(page)
    agent_login(page, server, SUPERVISOR, view="all")
    filters = page.evaluate(FILTER_ROOM)
    assert len(filters) == 5  # status, priority, topic, channel and label
    for select in filters:
        assert select["width"] <= select["room"], select

    page.locator(".inbox-row .row-link").first.click()
    expect(page.locator("#composer-body")).to_be_visible()
    hints = {}
    for mode in ("note", "reply"):
        page.locator(f'#composer .mode-btn[data-mode="{mode}"]').click()
        hints[mode] = page.evaluate(PLACEHOLDER)
        assert hints[mode]["width"] <= hints[mode]["room"], hints[mode]
    reply_hint = hints["reply"]
    if viewport == PHONE:
        assert "/" in reply_hint["text"]  # the short hint still tells of canned replies
        assert "Enter" not in reply_hint["text"]
    elif locale == "en-GB":
        assert "Shift+Enter" in reply_hint["text"]  # room for the whole hint
    assert not errors, errors


@pytest.mark.parametrize("locale", ["en-GB", "tr-TR"])
def test_the_conversation_header_menus_open_within_a_phone(server, new_context, locale):
    page = new_context(viewport=PHONE, locale=locale).new_page()
    errors = page_errors(page)
    agent_login(page, server, SUPERVISOR, view="all")
    page.locator(".inbox-row .row-link").first.click()
    expect(page.locator("#composer-body")).to_be_visible()
    take = page.locator("#take-button")
    if take.is_visible():
        take.click()
    expect(page.locator("#snooze-button")).to_be_visible()
    # Each menu hangs under the header's actions; hung from its own button's right edge it
    # ran off the left of the screen ("…tliğine" for "1 saatliğine").
    for button, menu in (
        ("#snooze-button", "#snooze-menu .snooze-form"),
        ("#macro-button", "#macro-list"),
        ("#block-button", "#block-menu .snooze-form"),
    ):
        page.locator(button).click()
        expect(page.locator(menu)).to_be_visible()
        opened = box(page, menu)
        assert opened["x"] >= 0 and opened["x"] + opened["width"] <= 390, (button, opened)
        page.locator(button).click()
        expect(page.locator(menu)).to_be_hidden()
    assert not errors, errors


# Form fields whose right edge passes their card's (a long choice in a select widened the form).
FIELDS_PAST_CARD = """[
  ...document.querySelectorAll(".canned-form-card :is(input, select, textarea)")
].filter(field => field.getClientRects().length)
  .filter(field => field.getBoundingClientRect().right
    > field.closest(".canned-form-card").getBoundingClientRect().right)
  .map(field => field.name)"""


def test_the_macro_form_fits_its_card_on_a_phone(server, new_context):
    page = new_context(viewport=PHONE, locale="tr-TR").new_page()
    errors = page_errors(page)
    agent_login(page, server, SUPERVISOR, view="all")
    page.goto(f"{server}/console/macros/")
    expect(page.locator("#macro-form")).to_be_visible()
    assert page.evaluate(FIELDS_PAST_CARD) == []
    assert not errors, errors


A_BLOCK = """
from django.contrib.auth import get_user_model
from support import services
contact, _token = services.widget_session_open(widget_key="demo")
conversation, _created = services.conversation_start(contact=contact, body="Spam spam spam")
services.contact_block(
    conversation=conversation,
    by_user=get_user_model().objects.get(username="supervisor"),
    reason="abuse",
    note="Sends the same insult every few minutes, warned three times already",
)
"""


def test_a_blocked_contact_can_be_lifted_on_a_phone(stack, server, new_context):
    stack.manage("shell", "-c", A_BLOCK)
    page = new_context(viewport=PHONE, locale="tr-TR").new_page()
    errors = page_errors(page)
    agent_login(page, server, SUPERVISOR, view="all")
    page.goto(f"{server}/console/blocks/")
    # The row's button on screen, not past the table's right edge.
    lift = page.locator("#block-list button[type=submit]").first
    expect(lift).to_be_in_viewport(ratio=1)
    row = box(page, "#block-list tbody tr")
    assert row["x"] >= 0 and row["x"] + row["width"] <= 390
    assert not errors, errors
