"""What the browser tests do again and again, as a person would do it."""

import re

from playwright.sync_api import expect

AGENT = ("agent", "agent-demo-123")
SUPERVISOR = ("supervisor", "supervisor-demo-123")


def agent_login(page, server, login=AGENT, *, view="all"):
    """Sign in to the console and wait until its live socket is open."""
    username, password = login
    page.goto(f"{server}/console/?view={view}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    expect(page.locator("#connection")).to_have_attribute("data-state", "open")


def open_widget(page, server):
    """Open the demo shop and the chat widget in it; returns the widget's frame."""
    page.goto(f"{server}/demo/")
    page.click("#destek-launcher")
    widget = page.frame_locator("#destek-frame")
    expect(widget.locator("#composer-input")).to_be_visible()
    return widget


def visitor_sends(widget, text):
    """Type a message in the widget and send it; wait until the server has stored it."""
    widget.locator("#composer-input").fill(text)
    widget.locator("#composer-input").press("Enter")
    expect(widget.locator(".msg-visitor", has_text=text)).not_to_have_class(
        re.compile(r"\bpending\b")
    )


def page_errors(page) -> list[str]:
    """What the page reports as errors (console errors, uncaught exceptions), as they come."""
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    return errors


class WidgetNetwork:
    """The widget's sockets in `context`, routed through the test: `drop()` closes the open
    ones and refuses new ones (a network drop) until `restore()`."""

    def __init__(self, context):
        self.offline = False
        self.sockets = []
        context.route_web_socket(re.compile(r".*/ws/widget/.*"), self._route)

    def _route(self, ws):
        if self.offline:
            ws.close(code=1011, reason="offline")
            return
        ws.connect_to_server()
        self.sockets.append(ws)

    def drop(self):
        self.offline = True
        for ws in self.sockets:
            ws.close(code=1011, reason="network drop")

    def restore(self):
        self.offline = False
