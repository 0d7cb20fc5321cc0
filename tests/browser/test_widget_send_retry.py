"""The widget's sends keep one client id per message (issue 22.1, the widget's side): a message
with files whose answer was lost is sent again with the same id, so the server answers with
what it stored instead of refusing the files as already sent (or storing the text twice)."""

import base64
import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.pages import open_widget, visitor_sends
from tests.browser.test_attachments import screenshot_png

SEND = re.compile(r"/api/widget/v1/conversations/\d+/messages$")


# The first answer is cut on purpose: the browser reports the failed request.
@pytest.mark.browser_console_errors(r"ERR_FAILED .*/api/widget/v1/conversations/\d+/messages")
def test_a_message_with_files_sent_again_after_a_lost_answer_is_stored_once(
    stack, new_context, server
):
    stack.manage(
        "shell", "-c", "from support.models import Widget; Widget.objects.update(bot_enabled=False)"
    )
    visitor = new_context().new_page()
    widget = open_widget(visitor, server)
    visitor_sends(widget, "My receipt is wrong")
    widget.locator("#file-input").set_input_files(
        files=[
            {
                "name": "receipt.png",
                "mimeType": "image/png",
                "buffer": base64.b64decode(screenshot_png()),
            }
        ]
    )
    expect(widget.locator(".files-tray .file-chip")).to_have_class(re.compile(r"\bready\b"))

    # The server stores the message, then the connection drops before its answer arrives.
    client_ids = []

    def store_then_cut(route):
        if route.request.method != "POST":
            return route.continue_()
        client_ids.append(json.loads(route.request.post_data)["client_id"])
        if len(client_ids) == 1:
            route.fetch()
            return route.abort()
        return route.continue_()

    visitor.route(SEND, store_then_cut)
    widget.locator("#composer-input").fill("Here is the receipt")
    widget.locator("#composer-input").press("Enter")
    expect(widget.locator("#composer-error")).not_to_have_text("")
    expect(widget.locator("#composer-input")).to_have_value("Here is the receipt")

    # Sent again as it is: the stored message comes back, no error, nothing twice.
    widget.locator("#composer-input").press("Enter")
    expect(widget.locator("#composer-input")).to_have_value("")
    expect(widget.locator(".files-tray .file-chip")).to_have_count(0)
    sent = widget.locator(".msg-visitor", has_text="Here is the receipt")
    expect(sent).to_have_count(1)
    expect(sent.locator(".msg-files .file-thumb img")).to_be_visible()
    assert len(client_ids) == 2
    assert client_ids[0] == client_ids[1]
