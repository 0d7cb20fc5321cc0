"""What a new agent tripped over (issue 22, item 12): a stale contact panel, the reconnecting
banner over the title, a favicon 404 on every page, oobErrorNoTarget on every live row.
(The browser console is checked after every test: tests/browser/conftest.py.)"""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.pages import SUPERVISOR, agent_login, open_widget

PHONE = {"width": 390, "height": 844}


def test_console_and_admin_have_an_icon_and_no_favicon_404(stack, server, new_context):
    page = new_context().new_page()
    agent_login(page, server, SUPERVISOR)
    page.goto(f"{server}/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    for path in ("/console/", "/admin/", "/console/login/"):
        page.goto(f"{server}{path}")
        icon = page.locator("link[rel=icon]")
        expect(icon).to_have_count(1)
        assert page.request.get(f"{server}{icon.get_attribute('href')}").status == 200
    port = urlsplit(server).port
    assert "/favicon.ico" not in stack.log(port)


def test_live_rows_reach_pages_without_an_inbox_list_quietly(stack, server, new_context):
    """The search page has no inbox list, and a conversation outside a list has no row there:
    neither makes htmx log oobErrorNoTarget (the conftest fails the test on it)."""
    stack.manage(
        "shell", "-c", "from support.models import Widget; Widget.objects.update(bot_enabled=False)"
    )
    search = new_context().new_page()
    agent_login(search, server, SUPERVISOR)
    search.goto(f"{server}/console/search/")
    expect(search.locator("#connection")).to_have_attribute("data-state", "open")
    mine = new_context().new_page()
    agent_login(mine, server, SUPERVISOR, view="mine")
    inbox = new_context().new_page()
    agent_login(inbox, server, SUPERVISOR, view="all")

    visitor = new_context().new_page()
    widget = open_widget(visitor, server)
    widget.locator("#composer-input").fill("Where is my parcel?")
    widget.locator("#composer-input").press("Enter")
    expect(inbox.locator(".inbox-row", has_text="Where is my parcel?")).to_be_visible()
    widget.locator("#composer-input").fill("It was due yesterday")
    widget.locator("#composer-input").press("Enter")
    row = inbox.locator(".inbox-row", has_text="It was due yesterday")
    expect(row).to_have_count(1)
    expect(inbox.locator(".inbox-row", has_text="Where is my parcel?")).to_have_count(0)
    # The other pages got the same fragments; give them the time the inbox needed.
    search.wait_for_timeout(500)
    expect(mine.locator("#connection")).to_have_attribute("data-state", "open")


def test_the_contact_panel_follows_a_status_change(stack, server, new_context):
    page = new_context().new_page()
    agent_login(page, server, SUPERVISOR, view="all")
    page.locator(".inbox-row a").first.click()
    listed = page.locator("#contact-conversations .current .pill")
    expect(listed).to_have_text(page.locator("#conversation-status").inner_text())

    action = page.get_by_role("button", name="Mark pending")
    if action.count():
        action.click()
        expect(page.locator("#conversation-status")).to_have_text("Pending")
        expect(listed).to_have_text("Pending")
        expect(listed).to_have_class("pill status-pending")
    page.locator("#resolve-button").click()
    expect(page.locator("#conversation-status")).to_have_text("Resolved")
    expect(listed).to_have_text("Resolved")
    expect(listed).to_have_class("pill status-resolved")


def socket_lost(page) -> None:
    """The live socket closes as a dropped connection would (the page stays, no reload)."""
    # A page just opened may not have its socket yet.
    expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    page.evaluate("document.getElementById('live')['htmx-internal-data'].webSocket.socket.close()")
    expect(page.locator("#connection-banner")).to_be_visible()


def boxes_overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


# htmx logs the lost socket's error event, as for any dropped connection.
@pytest.mark.browser_console_errors(r"^\[object Event\]")
def test_the_reconnecting_banner_leaves_the_title_visible(stack, server, new_context):
    for viewport in ({"width": 1280, "height": 800}, PHONE):
        page = new_context(viewport=viewport).new_page()
        agent_login(page, server, SUPERVISOR, view="all")
        page.locator(".inbox-row a").first.click()
        title = page.locator("#conversation-header h2")
        expect(title).to_be_visible()
        socket_lost(page)
        banner = page.locator("#connection-banner").bounding_box()
        heading = title.bounding_box()
        assert heading["y"] >= 0, viewport
        assert not boxes_overlap(banner, heading), (viewport, banner, heading)
        assert not boxes_overlap(banner, page.locator("#resolve-button").bounding_box())
