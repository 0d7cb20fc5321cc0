"""Read marks are coalesced by both clients: a stream or a burst of messages is read with one
mark at a time (the newest id, at most one a second), and "Seen" still shows on both sides."""

import itertools
import re

from playwright.sync_api import expect

from tests.browser.pages import agent_login, open_widget, page_errors

BURST = 5
STREAM = 6


# In every page and frame: each read frame a socket sends, with the page's time.
RECORD_READS = """
(() => {
  const send = WebSocket.prototype.send;
  window.readsSent = [];
  WebSocket.prototype.send = function (data) {
    if (typeof data === 'string' && data.includes('"read"')) {
      const frame = JSON.parse(data);
      if (frame.type === 'read') window.readsSent.push({ at: Date.now(), up_to: frame.up_to });
    }
    return send.call(this, data);
  };
})();
"""


def reads(frame) -> list[dict]:
    return frame.evaluate("window.readsSent.splice(0)")


def assert_at_most_one_a_second(sent: list[dict]) -> None:
    gaps = [b["at"] - a["at"] for a, b in itertools.pairwise(sent)]
    assert all(gap >= 950 for gap in gaps), sent


def test_a_burst_is_read_with_one_mark_each_way_and_seen_shows(stack, new_context, server):
    stack.manage(
        "shell", "-c", "from support.models import Widget; Widget.objects.update(bot_enabled=False)"
    )
    agent = new_context().new_page()
    agent.add_init_script(RECORD_READS)
    agent_errors = page_errors(agent)
    agent_login(agent, server, view="mine")
    visitor = new_context().new_page()
    visitor.add_init_script(RECORD_READS)
    visitor_errors = page_errors(visitor)
    widget = open_widget(visitor, server)
    widget_frame = next(f for f in visitor.frames if "/widget/" in f.url)
    widget.locator("#composer-input").fill("First, the bill")
    widget.locator("#composer-input").press("Enter")
    agent.locator(".inbox-row", has_text="First, the bill").locator("a").click()
    expect(agent.locator("#message-list")).to_contain_text("First, the bill")
    expect(widget.locator(".msg-status")).to_have_text(re.compile("Seen"))

    # The visitor writes a message every 400 ms: the agent's page reads during the stream (a
    # pause that started again at each message would wait for its end), at most one mark a
    # second, the last one the newest id; the visitor sees "Seen" on the last line.
    reads(agent)
    for n in range(STREAM):
        widget.locator("#composer-input").fill(f"Line {n} of the stream")
        widget.locator("#composer-input").press("Enter")
        visitor.wait_for_timeout(400)
    during_the_stream = reads(agent)
    last_line = agent.locator("#message-list .msg", has_text=f"Line {STREAM - 1} of the stream")
    expect(last_line).to_be_visible()
    newest = int(last_line.get_attribute("data-message-id"))
    own = widget.locator(".msg-visitor", has_text=f"Line {STREAM - 1} of the stream")
    expect(own.locator(".msg-status")).to_have_text(re.compile("Seen"))
    sent = during_the_stream + reads(agent)
    assert during_the_stream, "no read mark while the messages kept coming"
    assert_at_most_one_a_second(sent)
    assert sent[-1]["up_to"] == newest

    # The agent answers with a burst; the widget reads it the same way, and the console shows
    # the last reply seen. The agent's own replies send no read mark (they moved it).
    reads(widget_frame)
    for n in range(BURST):
        agent.locator("#composer-body").fill(f"Reply {n} of the burst")
        agent.locator("#composer-body").press("Enter")
        expect(agent.locator("#composer-body")).to_have_value("")
    last_reply = agent.locator("#message-list .msg-agent", has_text=f"Reply {BURST - 1} of")
    expect(widget.locator(".msg-agent", has_text=f"Reply {BURST - 1} of")).to_be_visible()
    expect(last_reply).to_have_class(re.compile(r"\blast-seen\b"))
    newest = int(last_reply.get_attribute("data-message-id"))
    sent = reads(widget_frame)
    assert sent, "the widget sent no read mark"
    assert_at_most_one_a_second(sent)
    assert sent[-1]["up_to"] == newest
    assert reads(agent) == []
    assert agent_errors == []
    assert visitor_errors == []
