"""A screenshot, pasted: the visitor pastes it into the widget and watches it upload, the agent
sees its thumbnail arrive live and opens the full image; the agent's file goes back the same
way. Real server, real browsers."""

import base64
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.pages import agent_login, open_widget, visitor_sends

SCREENSHOT_SIZE = (480, 360)

PASTE = """([data, name]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const dt = new DataTransfer();
  dt.items.add(new File([bytes], name, { type: 'image/png' }));
  const input = document.getElementById('composer-input');
  input.focus();
  const paste = { clipboardData: dt, bubbles: true, cancelable: true };
  input.dispatchEvent(new ClipboardEvent('paste', paste));
}"""


def screenshot_png() -> str:
    image = Image.new("RGB", SCREENSHOT_SIZE, (250, 250, 250))
    image.paste((220, 38, 38), (40, 40, 440, 120))  # a red error banner
    out = io.BytesIO()
    image.save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def widget_frame(page):
    return next(frame for frame in page.frames if "/widget/" in frame.url)


def test_visitor_pastes_a_screenshot_and_the_agent_sees_it_live(stack, new_context, server):
    stack.manage(
        "shell", "-c", "from support.models import Widget; Widget.objects.update(bot_enabled=False)"
    )
    agent_context = new_context()
    agent = agent_context.new_page()
    agent_login(agent, server, view="all")

    visitor = new_context().new_page()
    widget = open_widget(visitor, server)
    visitor_sends(widget, "The payment page shows an error")
    row = agent.locator(".inbox-row", has_text="payment page")
    row.locator("a").click()
    expect(agent.locator("#message-list")).to_contain_text("payment page")

    # Hold the upload on the wire so the progress bar can be seen, then let it through.
    held = []
    visitor.route(re.compile(r".*/attachments$"), lambda route: held.append(route))
    widget_frame(visitor).evaluate(PASTE, [screenshot_png(), "screenshot.png"])
    chip = widget.locator(".files-tray .file-chip")
    expect(chip).to_contain_text("screenshot.png")
    expect(chip.locator("progress.file-progress")).to_be_visible()
    expect(chip).to_have_class(re.compile(r"\buploading\b"))
    visitor.wait_for_timeout(50)
    assert held, "the upload request was not made"
    held[0].continue_()
    expect(chip).to_have_class(re.compile(r"\bready\b"))
    expect(chip.locator("progress")).to_have_count(0)
    expect(chip.locator(".file-icon img")).to_be_visible()

    widget.locator("#composer-input").fill("Here it is")
    widget.locator("#composer-input").press("Enter")
    sent = widget.locator(".msg-visitor", has_text="Here it is")
    expect(sent.locator(".msg-files .file-thumb img")).to_be_visible()
    expect(widget.locator(".files-tray .file-chip")).to_have_count(0)

    # The agent's open conversation gets the thumbnail live, without a reload.
    thumb = agent.locator("#message-list .msg-visitor img.file-thumb")
    expect(thumb).to_be_visible()
    expect(agent.locator("#message-list .msg-visitor", has_text="Here it is")).to_contain_text(
        "screenshot.png"
    )
    agent.wait_for_function(
        "() => { const i = document.querySelector('#message-list img.file-thumb');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    with agent_context.expect_page() as opened:
        thumb.click()
    full = opened.value
    full.wait_for_load_state()
    assert "/files/" in full.url
    size = full.evaluate(
        "() => { const i = document.images[0]; return [i.naturalWidth, i.naturalHeight]; }"
    )
    assert tuple(size) == SCREENSHOT_SIZE

    # The visitor opens it full size inside the widget.
    sent.locator(".file-thumb").click()
    visitor.wait_for_function(
        "() => { const f = [...document.querySelectorAll('iframe')][0].contentDocument;"
        " const i = f && f.querySelector('.lightbox-img');"
        " return i && i.complete && i.naturalWidth === 480; }"
    )
    widget.locator(".lightbox-close").click()
    expect(widget.locator(".lightbox")).to_have_count(0)

    # And back: the agent attaches a PDF; the visitor gets it live as a download chip.
    pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    agent.locator("#composer-file-input").set_input_files(
        files=[{"name": "steps.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    expect(agent.locator("#composer-files .file-chip.ready")).to_contain_text("steps.pdf")
    agent.locator("#composer-body").fill("These steps fix it")
    agent.locator("#composer-body").press("Enter")
    expect(agent.locator("#composer-files .file-chip")).to_have_count(0)
    reply = widget.locator(".msg-agent", has_text="These steps fix it")
    expect(reply.locator(".file-link")).to_contain_text("steps.pdf")
    expect(reply.locator(".file-link")).to_contain_text("application/pdf")


@pytest.mark.browser_console_errors(r"status of 415 .*/attachments")
def test_a_file_of_the_wrong_type_is_refused_with_a_clear_message(stack, new_context, server):
    visitor = new_context().new_page()
    widget = open_widget(visitor, server)
    visitor_sends(widget, "Hello")

    widget.locator("#file-input").set_input_files(
        files=[{"name": "page.png", "mimeType": "image/png", "buffer": b"<html><script>x</script>"}]
    )

    expect(widget.locator("#composer-error")).to_contain_text("page.png")
    expect(widget.locator("#composer-error")).to_contain_text("cannot be sent")
    expect(widget.locator(".files-tray .file-chip")).to_have_count(0)


@pytest.mark.parametrize("locale, size", [("en-US", "4 bytes"), ("tr-TR", "4 bayt")])
def test_a_small_file_waiting_to_be_sent_says_its_size_in_words(
    stack, new_context, server, locale, size
):
    visitor = new_context(locale=locale, viewport={"width": 390, "height": 844}).new_page()
    widget = open_widget(visitor, server)
    widget.locator("#file-input").set_input_files(
        files=[{"name": "receipt.txt", "mimeType": "text/plain", "buffer": b"fis\n"}]
    )
    expect(widget.locator(".files-tray .file-chip .file-meta")).to_have_text(size)


@pytest.mark.browser_console_errors(r"status of 503 .*/attachments")
def test_a_busy_server_is_asked_again_when_it_says_so(stack, new_context, server):
    """503 `busy` with Retry-After (every image slot taken, chat.image_work): the widget keeps
    the file uploading and sends it again after the wait, without an error."""
    visitor = new_context().new_page()
    widget = open_widget(visitor, server)
    visitor_sends(widget, "Screenshot coming")
    answered = []

    def busy_once(route):
        answered.append(route.request.method)
        if len(answered) == 1:
            route.fulfill(
                status=503,
                headers={"Retry-After": "1", "Content-Type": "application/json"},
                body='{"error": {"code": "busy", "detail": "The server is busy."}}',
            )
        else:
            route.continue_()

    visitor.route(re.compile(r".*/attachments$"), busy_once)
    widget_frame(visitor).evaluate(PASTE, [screenshot_png(), "later.png"])
    chip = widget.locator(".files-tray .file-chip")
    expect(chip).to_have_class(re.compile(r"\buploading\b"))
    expect(chip).to_have_class(re.compile(r"\bready\b"), timeout=10_000)
    assert answered == ["POST", "POST"]
    expect(widget.locator("#composer-error")).to_be_empty()


def test_a_screenshot_before_the_first_message_starts_with_the_topic_and_urgency(
    stack, new_context, server
):
    stack.manage(
        "shell", "-c", "from support.models import Topic; Topic.objects.update(allow_urgent=True)"
    )
    agent = new_context().new_page()
    agent_login(agent, server, view="all")

    visitor = new_context().new_page()
    widget = open_widget(visitor, server)
    widget.locator(".topic", has_text="Payment").click()
    widget.locator("#urgent-toggle").check()
    widget_frame(visitor).evaluate(PASTE, [screenshot_png(), "before-any-text.png"])
    expect(widget.locator(".files-tray .file-chip")).to_have_class(re.compile(r"\bready\b"))
    visitor_sends(widget, "Card declined, see the screenshot")

    # It went to a person, not the bot: the Payment queue, marked urgent.
    row = agent.locator(".inbox-row", has_text="Card declined")
    expect(row).to_have_attribute("data-topic", "payment")
    expect(row).to_have_attribute("data-priority", "urgent")
    expect(row).not_to_have_attribute("data-status", "bot")
