"""Web Push alerts in Chromium: the Alerts page registers the console's service worker, a
subscription reaches the server, an assignment by a colleague makes the server send an
encrypted, VAPID-signed push to a local push service (the test decrypts it with the
subscription's keys), and the same payload delivered to Chromium's service worker shows a
notification.

Not run here: Chromium's own pushManager.subscribe and Google's push service (FCM) behind it.
Playwright's browser contexts are incognito ones, where Chrome has no Push API ("Registration
failed - permission denied", and it logs crbug.com/41124656); the test checks the page says
so plainly, then posts a subscription with keys it made itself, as the page's script posts the
browser's, so that it can decrypt the push. Clicking the notification is not run either."""

import json
import re
import time

import pytest
from playwright.sync_api import expect

from alerts import vapid
from tests.alerts.pushserver import BrowserKeys, PushService, b64encode, vapid_verify
from tests.browser.pages import agent_login

ASSIGN = """
import logging, sys
from django.contrib.auth import get_user_model
# A failed push is a warning in the log: into the output, which a failing test shows.
logging.getLogger("alerts").addHandler(logging.StreamHandler(sys.stdout))
from support import services
from support.models import Widget
User = get_user_model()
contact, _token = services.widget_session_open(widget_key=Widget.objects.first().key)
conversation, _ = services.conversation_start(
    contact=contact, body="Masa 12: hesap yanlış", client_id="push-1"
)
services.conversation_assign(conversation=conversation, to_user=User.objects.get(username="agent"),
                             by_user=User.objects.get(username="supervisor"))
print(conversation.pk)
"""


@pytest.fixture(scope="module")
def vapid_pair():
    return vapid.keys_generate()


@pytest.fixture(scope="module")
def server(stack, vapid_pair):
    public, private = vapid_pair
    stack.env.update(
        DESTEK_VAPID_PUBLIC_KEY=public,
        DESTEK_VAPID_PRIVATE_KEY=private,
        DESTEK_VAPID_SUBJECT="mailto:ops@example.com",
        DESTEK_PUSH_ALLOW_PRIVATE="1",
        # The assignment below runs in `manage.py shell`: its push task runs there too.
        CELERY_TASK_ALWAYS_EAGER="1",
    )
    port = stack.start_server()
    return f"http://127.0.0.1:{port}"


def post_json(page, url, body):
    return page.evaluate(
        """async ([url, body]) => {
          const csrf = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken'];
          const response = await fetch(url, {method: 'POST', body: JSON.stringify(body),
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf}});
          return [response.status, await response.json()];
        }""",
        [url, body],
    )


def service_worker_ids(context, page):
    cdp = context.new_cdp_session(page)
    registrations = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    page.wait_for_timeout(500)
    return cdp, registrations


@pytest.mark.browser_console_errors("does not support the Push API in incognito mode")
def test_push_alert_from_subscription_to_notification(stack, server, new_context, vapid_pair):
    context = new_context(permissions=["notifications"])
    page = context.new_page()
    agent_login(page, server)
    page.locator("#nav-alerts").click()
    expect(page.locator("h1")).to_have_text("Alerts")
    expect(page.locator("#push-state")).to_have_text("Push alerts are off for this browser.")
    # The page registered the console's service worker, scoped to the whole console.
    scope = page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
    assert scope == f"{server}/console/"

    page.locator("#push-enable").click()
    expect(page.locator("#push-state")).to_contain_text("Could not turn push alerts on:")

    with PushService() as push_service:
        keys = BrowserKeys()
        endpoint = f"{push_service.url}/push/agent-laptop"
        status, _body = post_json(
            page,
            f"{server}/console/alerts/push/subscribe",
            {"endpoint": endpoint, "keys": {"p256dh": keys.p256dh, "auth": b64encode(keys.auth)}},
        )
        assert status == 201
        page.reload()
        expect(page.locator(".alerts-page")).to_contain_text("1 browser receives your push alerts.")

        output = stack.manage("shell", "-c", ASSIGN)
        conversation_id = int(output.split()[-1])
        # On a busy machine the push request can outlast its 10 s timeout (a warning in
        # `output`) and still arrive: this test is about the flow, not the latency.
        for _ in range(100):
            if push_service.received:
                break
            time.sleep(0.1)
        assert len(push_service.received) == 1, output
        [push] = push_service.received
    claims = vapid_verify(push["headers"]["authorization"], public_key=vapid_pair[0])
    assert claims["sub"] == "mailto:ops@example.com"
    assert claims["aud"] == push_service.url
    payload = json.loads(keys.decrypt(push["body"]))
    assert payload["title"] == f"Conversation #{conversation_id} assigned to you"
    assert payload["url"] == f"/console/conversations/{conversation_id}/"

    # What Chromium's push service would hand the service worker: it shows the notification.
    # On a busy machine the first delivery can reach a worker still starting and be dropped
    # by Chromium without a word; the payload's tag makes a second one replace, not add.
    cdp, registrations = service_worker_ids(context, page)
    [registration] = [r for r in registrations if r["scopeURL"] == f"{server}/console/"]
    for _attempt in range(3):
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": server,
                "registrationId": registration["registrationId"],
                "data": json.dumps(payload),
            },
        )
        shown = page.evaluate(
            """async () => {
              const registration = await navigator.serviceWorker.ready;
              for (let i = 0; i < 100; i++) {
                const notes = await registration.getNotifications();
                if (notes.length) return notes.map((n) => [n.title, n.body, n.tag, n.data.url]);
                await new Promise((r) => setTimeout(r, 100));
              }
              return [];
            }"""
        )
        if shown:
            break
    assert shown == [[payload["title"], payload["body"], payload["tag"], payload["url"]]]


def test_alert_preferences_on_a_phone_in_turkish(server, new_context):
    context = new_context(viewport={"width": 390, "height": 844}, locale="tr-TR")
    page = context.new_page()
    agent_login(page, server)
    page.goto(f"{server}/console/alerts/")
    expect(page.locator("h1")).to_have_text("Uyarılar")
    page.locator("#pref-push_queued").uncheck()
    page.get_by_role("button", name="Kaydet").click()
    expect(page.locator("#alerts-saved")).to_have_text("Kaydedildi.")
    expect(page.locator("#pref-push_queued")).not_to_be_checked()
    expect(page.locator("#pref-push_assigned")).to_be_checked()
    page.screenshot(path="test-artifacts/alerts-phone-tr.png", full_page=True)
    desktop = new_context().new_page()
    agent_login(desktop, server)
    desktop.goto(f"{server}/console/alerts/")
    desktop.screenshot(path="test-artifacts/alerts-desktop-en.png", full_page=True)
    assert re.search("Alerts", desktop.title())
