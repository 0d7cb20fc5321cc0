"""The XSS corpus in the widget: every payload typed by the visitor, an agent whose name is
markup replying with markup, and files named like markup both ways, shown live over the socket
and again after a reload from the HTTP history. Nothing runs, no element comes out of the text,
and the words are shown as written. (Server-rendered pages: tests/security/test_xss_corpus.py.)
"""

import re

from playwright.sync_api import expect

from tests.browser.pages import agent_login, open_widget
from tests.chat import corpus
from tests.security.test_xss_corpus import CORPUS, PAYLOAD

HOSTILE_AGENT = "<img src=x onerror=alert(1) data-xss>"
SETUP = f"""
from support.models import AgentProfile, Conversation, Widget
Conversation.objects.all().delete()
Widget.objects.update(bot_enabled=False)
AgentProfile.objects.filter(user__username="agent").update(display_name={HOSTILE_AGENT!r})
"""
VISITOR_FILE = "'><svg data-xss onload=alert(1)>.txt"  # a browser sends \" as %22
AGENT_FILE = "<img src=x onerror=alert('xss') data-xss>.pdf"

# Anything in the widget's document that only unescaped visitor or agent text could make.
INJECTED = """() => {
  const found = [];
  const selectors = '[data-xss], [onerror], [onload], [onmouseover], [onfocus], [hx-get], '
    + 'a[href^="javascript:" i], object, embed, iframe, math, script:not([src]), style';
  for (const el of document.querySelectorAll(selectors)) {
    if (el.tagName === 'STYLE' && !el.textContent.includes('xss')) continue;
    found.push(el.outerHTML.slice(0, 120));
  }
  for (const img of document.images) if (img.getAttribute('src') === 'x') found.push(img.outerHTML);
  return found;
}"""


def widget_frame(page):
    return next(frame for frame in page.frames if "/widget/" in frame.url)


def assert_nothing_injected(page, widget, dialogs):
    expect(widget.locator("#messages")).to_contain_text("<script>alert('xss')</script>")
    expect(widget.locator("#messages")).to_contain_text(HOSTILE_AGENT)
    expect(widget.locator("#messages")).to_contain_text(VISITOR_FILE)
    expect(widget.locator("#messages")).to_contain_text(AGENT_FILE)
    assert widget_frame(page).evaluate(INJECTED) == []
    assert dialogs == []


def test_the_widget_shows_hostile_text_as_text(stack, server, new_context):
    stack.manage("shell", "-c", SETUP)
    agent = new_context().new_page()
    agent_login(agent, server)
    visitor = new_context().new_page()
    dialogs = []
    visitor.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    widget = open_widget(visitor, server)

    for payload in CORPUS:
        widget.locator("#composer-input").fill(payload)
        widget.locator("#composer-input").press("Enter")
        expect(widget.locator(".msg-visitor").last).not_to_have_class(re.compile(r"\bpending\b"))
    widget.locator("#file-input").set_input_files(
        files=[{"name": VISITOR_FILE, "mimeType": "text/plain", "buffer": b"xss notes\n"}]
    )
    expect(widget.locator(".files-tray .file-chip")).to_have_class(re.compile(r"\bready\b"))
    widget.locator("#composer-input").fill("my file")
    widget.locator("#composer-input").press("Enter")
    expect(widget.locator(".msg-visitor", has_text="my file")).to_contain_text(VISITOR_FILE)

    # The agent answers with markup, under a name that is markup, with a file named like it.
    agent.locator(".inbox-row").first.locator("a").click()
    expect(agent.locator("#message-list")).to_contain_text("my file")
    agent.locator("#composer-file-input").set_input_files(
        files=[{"name": AGENT_FILE, "mimeType": "application/pdf", "buffer": corpus.pdf()}]
    )
    expect(agent.locator("#composer-files .file-chip.ready")).to_contain_text(AGENT_FILE)
    agent.locator("#composer-body").fill(PAYLOAD)
    agent.locator("#composer-body").press("Enter")
    expect(widget.locator(".msg-agent").last).to_contain_text(AGENT_FILE)
    assert_nothing_injected(visitor, widget, dialogs)

    # Again from the HTTP history after a reload, and in the conversation list.
    visitor.reload()
    widget = open_widget(visitor, server)
    expect(widget.locator(".msg-agent").last).to_contain_text(AGENT_FILE)
    assert_nothing_injected(visitor, widget, dialogs)
    widget.locator("#back-button").click()
    expect(widget.locator("#conversation-list .conv-item")).to_have_count(1)
    assert widget_frame(visitor).evaluate(INJECTED) == []
    assert dialogs == []
