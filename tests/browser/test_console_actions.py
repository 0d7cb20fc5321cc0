"""Issue 24's console actions in real browsers, as an agent and a visitor use them: edit and
delete a message (the widget updates in place), a visitor taking back their last message,
blocking a spammer (a supervisor lifts it), snoozing and bulk actions in the inbox, and a
macro. Screenshots at phone and desktop sizes, in Turkish and English, go to test-artifacts/."""

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.browser.pages import SUPERVISOR, agent_login, open_widget

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"

SETUP = """
from support.models import ContactBlock, Contact, Macro, Widget
Widget.objects.update(bot_enabled=False)
Contact.objects.update(blocked_by=None)
ContactBlock.objects.all().delete()
Macro.objects.all().delete()
"""

LOS_ANGELES = ZoneInfo("America/Los_Angeles")
SNOOZED_UNTIL = """
from zoneinfo import ZoneInfo
from support.models import Conversation
until = Conversation.objects.get(messages__body="Desktop look").snoozed_until
print(until.astimezone(ZoneInfo("America/Los_Angeles")).isoformat(timespec="minutes")[:16])
"""


def shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"i24actions-{name}.png", full_page=False)


def visitor_writes(new_context, server, text):
    visitor = new_context(locale="en-GB").new_page()
    widget = open_widget(visitor, server)
    widget.locator("#composer-input").fill(text)
    widget.locator("#composer-input").press("Enter")
    expect(widget.locator(".msg-visitor", has_text=text)).to_be_visible()
    return visitor, widget


def open_conversation(agent, text):
    row = agent.locator(".inbox-row", has_text=text)
    expect(row).to_be_visible()
    row.locator("a").click()
    expect(agent.locator("#message-list")).to_contain_text(text)


def test_edit_and_delete_messages_live(stack, new_context, server):
    stack.manage("shell", "-c", SETUP)
    agent = new_context().new_page()
    agent_login(agent, server)
    visitor, widget = visitor_writes(new_context, server, "Where is order 1042?")
    open_conversation(agent, "Where is order 1042?")

    composer = agent.locator("#composer-body")
    composer.fill("It ships tomorow")
    composer.press("Enter")
    mine = agent.locator("#message-list .msg-agent", has_text="It ships tomorow")
    expect(mine).to_be_visible()
    expect(widget.locator(".msg-agent", has_text="It ships tomorow")).to_be_visible()

    mine.locator(".msg-edit").click()
    box = mine.locator(".msg-edit-form textarea")
    box.fill("It ships tomorrow")
    mine.locator(".msg-edit-form button[type=submit]").click()
    edited = agent.locator("#message-list .msg-agent", has_text="It ships tomorrow")
    expect(edited.locator(".edited-label")).to_be_visible()
    expect(widget.locator(".msg-agent", has_text="It ships tomorrow")).to_be_visible()
    expect(widget.locator(".msg-agent .msg-edited")).to_have_text("edited")
    shot(agent, "edit-desktop-en")

    agent.on("dialog", lambda dialog: dialog.accept())
    edited.locator(".msg-delete").click()
    expect(agent.locator("#message-list .msg-deleted")).to_contain_text("This message was deleted.")
    expect(widget.locator(".msg-agent.msg-deleted")).to_contain_text("This message was deleted.")
    shot(visitor, "deleted-widget-en")

    # The agent leaves; the visitor takes back a message nobody has seen yet.
    conversation_id = agent.locator("main.conversation").get_attribute("data-conversation-id")
    agent.goto(f"{server}/console/?view=all")
    widget.locator("#composer-input").fill("oops, wrong chat")
    widget.locator("#composer-input").press("Enter")
    own = widget.locator(".msg-visitor", has_text="oops, wrong chat")
    expect(own.locator(".msg-del")).to_be_visible()
    own.locator(".msg-del").click()
    expect(widget.locator(".msg-visitor.msg-deleted")).to_contain_text("This message was deleted.")
    agent.goto(f"{server}/console/conversations/{conversation_id}/")
    expect(agent.locator("#message-list .msg-visitor.msg-deleted")).to_be_visible()


def test_block_a_spammer_and_a_supervisor_lifts_it(stack, new_context, server):
    stack.manage("shell", "-c", SETUP)
    agent = new_context(locale="tr-TR").new_page()
    agent_login(agent, server)
    _visitor, widget = visitor_writes(new_context, server, "CHEAP PILLS www.spam.example")
    open_conversation(agent, "CHEAP PILLS")
    agent.locator("#block-button").click()
    agent.locator("#block-apply").click()
    expect(agent.locator("#conversation-blocked")).to_be_visible()
    shot(agent, "blocked-desktop")

    widget.locator("#composer-input").fill("more spam here")
    widget.locator("#composer-input").press("Enter")
    sent = widget.locator(".msg-visitor", has_text="more spam here")
    expect(sent).to_be_visible()
    expect(sent).not_to_have_class("pending")
    expect(widget.locator(".failed")).to_have_count(0)
    agent.wait_for_timeout(500)
    expect(agent.locator("#message-list")).not_to_contain_text("more spam here")

    supervisor = new_context().new_page()
    agent_login(supervisor, server, SUPERVISOR)
    supervisor.goto(f"{server}/console/blocks/")
    row = supervisor.locator("#block-list tr[data-standing='1']")
    expect(row).to_have_count(1)
    shot(supervisor, "blocks-desktop-en")
    row.locator("button[type=submit]").click()
    expect(supervisor.locator("#block-list tr[data-standing='1']")).to_have_count(0)


def test_snooze_bulk_actions_and_a_macro_on_a_phone(stack, new_context, server):
    stack.manage("shell", "-c", SETUP)
    for text in ("Bulk one", "Bulk two"):
        visitor_writes(new_context, server, text)
    agent = new_context(viewport={"width": 390, "height": 844}, locale="tr-TR").new_page()
    agent_login(agent, server)
    for text in ("Bulk one", "Bulk two"):
        agent.locator(".inbox-row", has_text=text).locator(".bulk-check").check()
    expect(agent.locator("#bulk-controls")).to_be_visible()
    agent.locator("#bulk-action").select_option("snooze")
    expect(agent.locator("#bulk-snooze")).to_be_visible()
    agent.locator("#bulk-snooze").select_option("reply")
    shot(agent, "bulk-phone-tr")
    agent.locator("#bulk-apply").click()
    expect(agent.locator("#bulk-summary")).to_contain_text("2")
    expect(agent.locator(".inbox-row", has_text="Bulk one")).to_have_count(0)
    shot(agent, "bulk-done-phone-tr")

    # Snoozed ones are a status of their own; one comes back at once with Unsnooze.
    agent.goto(f"{server}/console/?view=all&status=snoozed")
    agent.locator(".inbox-row", has_text="Bulk one").locator("a").click()
    expect(agent.locator("#conversation-snoozed")).to_be_visible()
    agent.locator("#wake-button").click()
    expect(agent.locator("#snooze-button")).to_be_visible()

    # A macro made in the console, run from the header.
    agent.goto(f"{server}/console/macros/")
    agent.locator("#macro-name").fill("Kapat")
    agent.locator("#macro-priority").select_option("high")
    agent.locator("#macro-finish").select_option("resolve")
    shot(agent, "macros-phone-tr")
    agent.locator("#macro-save").click()
    expect(agent.locator("#macro-table")).to_contain_text("Kapat")
    agent.goto(f"{server}/console/?view=all&status=active")
    open_conversation(agent, "Bulk one")
    agent.locator("#composer-body").press("Escape")  # out of the reply box: keys are shortcuts
    agent.keyboard.press("m")
    run = agent.locator("#macro-list .macro-run", has_text="Kapat")
    expect(run).to_be_visible()
    shot(agent, "macro-menu-phone-tr")
    run.click()
    expect(agent.locator("#conversation-status")).to_have_text("Çözüldü")


def test_inbox_bulk_bar_and_header_on_desktop_in_english(stack, new_context, server):
    stack.manage("shell", "-c", SETUP)
    visitor_writes(new_context, server, "Desktop look")
    # Far from the server's zone (Europe/Istanbul): "tomorrow 09:00" is the agent's morning.
    agent = new_context(locale="en-GB", timezone_id="America/Los_Angeles").new_page()
    agent_login(agent, server)
    agent.locator("#bulk-select-all").check()
    expect(agent.locator("#bulk-count")).to_contain_text("selected")
    agent.locator("#bulk-action").select_option("assign")
    shot(agent, "bulk-desktop-en")
    open_conversation(agent, "Desktop look")
    agent.locator("#snooze-button").click()
    agent.locator("#header-snooze").select_option("at")
    expect(agent.locator("#header-snooze-at")).to_be_visible()
    shot(agent, "snooze-menu-desktop-en")
    agent.locator("#header-snooze").select_option("tomorrow")
    agent.locator("#snooze-apply").click()
    expect(agent.locator("#conversation-snoozed")).to_be_visible()
    tomorrow = datetime.now(LOS_ANGELES).date() + timedelta(days=1)
    snoozed_until = stack.manage("shell", "-c", SNOOZED_UNTIL).strip().splitlines()[-1]
    assert snoozed_until == f"{tomorrow}T09:00"
