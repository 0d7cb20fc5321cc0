"""The console's lean message path in a browser: a reply sent on the socket is answered by its
fragment alone (no `message.sent`), and the page that reads a conversation drops the row's
unread mark itself (the server does not send the page its own read mark back)."""

import re

from playwright.sync_api import expect

from tests.browser.pages import visitor_sends
from tests.browser.test_console_reply import _open_conversation, _replies_posted, _visitor_asks

# The page's visibility, as the test says (console.js reads only while the page is visible).
VISIBILITY = """
(() => {
  window.testHidden = false;
  Object.defineProperty(document, 'visibilityState', {
    configurable: true, get: () => (window.testHidden ? 'hidden' : 'visible'),
  });
})();
"""


def console_frames(page) -> list[str]:
    """Every frame the page's console socket receives, as they come."""
    received = []

    def socket(ws):
        if "/ws/console/" in ws.url:
            ws.on("framereceived", lambda payload: received.append(str(payload)))

    page.on("websocket", socket)
    return received


def test_a_reply_is_answered_by_its_fragment_and_a_read_clears_the_row(stack, new_context, server):
    widget = _visitor_asks(stack, new_context, server)
    agent = new_context().new_page()
    agent.add_init_script(VISIBILITY)
    posted = _replies_posted(agent)
    frames = console_frames(agent)
    _open_conversation(agent, server)
    conversation = agent.locator("body").get_attribute("data-conversation-id")
    row = agent.locator(f"#conv-row-{conversation}")

    agent.locator("#composer-body").fill("Answered by the fragment")
    agent.locator("#composer-body").press("Enter")
    mine = agent.locator("#message-list .msg-agent", has_text="Answered by the fragment")
    expect(mine).to_have_count(1)
    expect(agent.locator("#composer-body")).to_have_value("")
    expect(agent.locator("#composer")).not_to_have_attribute("aria-busy", "true")
    expect(agent.locator("#composer-body")).to_be_editable()
    expect(agent.locator("#composer-error")).to_have_text("")
    expect(widget.locator(".msg-agent", has_text="Answered by the fragment")).to_have_count(1)
    assert posted == []
    assert [f for f in frames if f.startswith("{")] == []
    assert any(mine.get_attribute("data-client-id") in f for f in frames)

    # The tab is away: the visitor's next message leaves the row unread.
    agent.evaluate("window.testHidden = true")
    visitor_sends(widget, "Still declined, sorry")
    expect(agent.locator("#message-list")).to_contain_text("Still declined, sorry")
    expect(row).to_have_class(re.compile(r"\bunread\b"))
    expect(row.locator(".badge")).to_have_count(1)

    # Back: the page sends its read mark and drops the row's unread mark itself.
    agent.evaluate(
        "window.testHidden = false; document.dispatchEvent(new Event('visibilitychange'))"
    )
    expect(row).not_to_have_class(re.compile(r"\bunread\b"))
    expect(row.locator(".badge")).to_have_count(0)
    expect(
        widget.locator(".msg-visitor", has_text="Still declined").locator(".msg-status")
    ).to_have_text(re.compile("Seen"))
    agent.wait_for_timeout(500)  # the server's copy of the mark would be here by now
    assert [f for f in frames if "read-mark" in f] == []
