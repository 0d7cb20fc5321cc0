"""The embed SDK on someone else's site: the host pages here are served from a second loopback
origin (another port: http://127.0.0.1:<host port>), allowed for the demo widget, and from
http://localhost:<host port>, which is not."""

import functools
import http.server
import threading

import pytest
from playwright.sync_api import expect

from tests.browser.pages import agent_login, visitor_sends
from tests.stack import free_port

STUB = (
    "window.Destek = window.Destek || function () { (Destek.q = Destek.q || []).push(arguments); };"
)


@pytest.fixture(scope="module")
def host_site(tmp_path_factory, stack, server):
    """A static web server on another port; pages are written into its folder by the tests."""
    root = tmp_path_factory.mktemp("host-site")
    port = free_port()
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    allowed = f"http://127.0.0.1:{port}"
    stack.manage(
        "shell",
        "-c",
        "from support.models import Widget; w = Widget.objects.get(key='demo'); "
        f"w.allowed_origins = ['{allowed}']; w.bot_enabled = False; w.save()",
    )

    def page(name: str, script: str = "") -> str:
        (root / name).write_text(
            "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Shop</title>"
            "<link rel='icon' href='data:,'>"
            f"<script>{STUB}{script}</script></head><body><h1>A shop</h1>"
            f"<script async src='{server}/static/widget/loader.js' data-widget-key='demo'>"
            "</script></body></html>"
        )
        return name

    yield {
        "allowed": allowed,
        "refused": f"http://localhost:{port}",
        "page": page,
        "server": server,
    }
    httpd.shutdown()


def console_errors(page) -> list[str]:
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    return errors


def wait_until(page, condition, timeout=10.0):
    for _ in range(int(timeout * 10)):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError("condition not met in time")


def shell(stack, code: str) -> str:
    """What the code printed last (the shell may announce its automatic imports first)."""
    return stack.manage("shell", "-c", code).strip().splitlines()[-1]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def test_calls_queued_before_the_loader_arrives_all_run(host_site, new_context, stack):
    name = host_site["page"](
        "queue.html",
        "Destek('on', 'ready', function () { document.body.dataset.ready = '1'; });"
        "Destek('on', 'open', function () { document.body.dataset.opened = '1'; });"
        "Destek('setAttributes', {plan: 'Gold-queue'});"
        "Destek('open');",
    )
    page = new_context().new_page()
    errors = console_errors(page)
    page.goto(f"{host_site['allowed']}/{name}")
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    expect(page.locator("body")).to_have_attribute("data-opened", "1")
    expect(page.locator("#destek-frame")).to_be_visible()
    widget = page.frame_locator("#destek-frame")
    expect(widget.locator("#composer-input")).to_be_visible()
    # The queued attributes reached the visitor's contact through the widget's session.
    assert (
        shell(
            stack,
            "from support.models import Contact; "
            "print(Contact.objects.filter(attributes__plan='Gold-queue').count())",
        )
        == "1"
    )
    # The API is callable directly once loaded, and close() closes.
    page.evaluate("Destek.close()")
    expect(page.locator("#destek-frame")).to_be_hidden()
    expect(page.locator("#destek-launcher")).to_be_visible()
    assert not errors


@pytest.mark.browser_console_errors(r"status of 403 .*/session", r"^Destek: The identity hash")
def test_identify_with_a_bad_hash_is_refused_and_logged_on_the_page(host_site, new_context):
    name = host_site["page"](
        "bad-identity.html",
        "Destek('identify', {external_id: 'user-42', hash: 'not-the-right-hash',"
        " name: 'Mallory'});",
    )
    page = new_context().new_page()
    errors = console_errors(page)
    page.goto(f"{host_site['allowed']}/{name}")
    # identify() loads the widget in the background to verify the user: the refusal is
    # reported on the host page's console without the visitor opening anything.
    wait_until(page, lambda: any("Destek:" in e and "hash" in e for e in errors))
    page.locator("#destek-launcher").click()
    widget = page.frame_locator("#destek-frame")
    # Refused, not silently anonymous: the widget shows the error and starts no chat.
    expect(widget.locator("#view-error")).to_be_visible()
    expect(widget.locator("#session-error")).to_contain_text("hash")
    expect(widget.locator("#composer-input")).to_be_hidden()


@pytest.mark.browser_console_errors(
    r"status of 403 .*/config",
    r"^Destek: .* may not embed the widget",
    r"^Framing .*frame-ancestors",
)
def test_an_origin_the_widget_does_not_allow_gets_no_widget(host_site, new_context, server):
    name = host_site["page"]("refused.html")
    page = new_context().new_page()
    errors = console_errors(page)
    page.goto(f"{host_site['refused']}/{name}")
    page.wait_for_timeout(1500)
    assert page.locator("#destek-launcher").count() == 0
    assert any("may not embed" in e for e in errors), errors
    # Framing the widget page directly from there is refused too.
    response = page.request.get(f"{server}/widget/?key=demo&origin={host_site['refused']}")
    assert response.status == 403
    page.evaluate(
        "src => { const f = document.createElement('iframe'); f.id = 'direct';"
        " f.src = src; document.body.append(f); }",
        f"{server}/widget/?key=demo",
    )
    page.wait_for_timeout(1000)
    assert page.frame_locator("#direct").locator("#composer-input").count() == 0


@pytest.mark.browser_console_errors(r"status of 409 .*/triggers/\d+/fire")
def test_a_time_on_page_trigger_fires_once_and_is_capped(host_site, new_context, stack):
    shell(
        stack,
        "from proactive.models import Trigger; from support.models import Widget; "
        "Trigger.objects.create(widget=Widget.objects.get(key='demo'), name='Dwell', "
        "kind='time_on_page', seconds_on_page=1, message_en='Still deciding? Ask us.', "
        "message_tr='Karar veremediniz mi?', cap_days=1)",
    )
    name = host_site["page"]("dwell.html")
    url = f"{host_site['allowed']}/{name}"
    first = new_context()
    page = first.new_page()
    page.goto(url)
    bubble = page.locator("#destek-bubble")
    expect(bubble).to_contain_text("Still deciding? Ask us.")

    # Same visitor, next page view: not again (the browser remembers the cap).
    page.reload()
    expect(page.locator("#destek-launcher")).to_be_visible()
    page.wait_for_timeout(2500)
    assert bubble.count() == 0
    # Even with the browser's memory of it gone, the server holds the cap for this visitor.
    page.evaluate(
        "() => Object.keys(localStorage).filter(k => /:c\\d+$/.test(k))"
        ".forEach(k => localStorage.removeItem(k))"
    )
    page.reload()
    expect(page.locator("#destek-launcher")).to_be_visible()
    page.wait_for_timeout(2500)
    assert bubble.count() == 0
    assert (
        shell(
            stack,
            "from proactive.models import TriggerDisplay; print(TriggerDisplay.objects.count())",
        )
        == "1"
    )

    # Another visitor sees it, answers it, and the conversation counts as its conversion.
    other = new_context().new_page()
    other.goto(url)
    other.locator("#destek-bubble-text").click()
    widget = other.frame_locator("#destek-frame")
    expect(widget.locator(".msg-bot")).to_contain_text("Still deciding? Ask us.")
    visitor_sends(widget, "Is the cheesecake gluten free?")
    assert (
        shell(
            stack,
            "from proactive.models import TriggerDisplay; "
            "print(TriggerDisplay.objects.filter(conversation__isnull=False).count())",
        )
        == "1"
    )


def test_the_demo_shop_offers_help_when_the_cart_is_left(new_context, server):
    page = new_context().new_page()
    errors = console_errors(page)
    page.goto(f"{server}/demo/")
    page.locator(".add").first.click()
    expect(page.locator(".cart-count")).to_have_text("1")
    page.locator("#later").click()  # Destek("track", "cart_abandoned")
    expect(page.locator("#destek-bubble")).to_contain_text("Still deciding?")
    page.locator("#destek-bubble-text").click()
    widget = page.frame_locator("#destek-frame")
    expect(widget.locator(".msg-bot")).to_contain_text("Still deciding?")
    assert not errors


def test_app_mode_passes_the_signed_in_user_and_the_device(new_context, server, stack):
    page = new_context(viewport={"width": 390, "height": 760}).new_page()
    errors = console_errors(page)
    page.goto(f"{server}/demo/app/")
    widget = page.frame_locator(".phone iframe")
    expect(widget.locator("#composer-input")).to_be_visible()
    expect(widget.locator("#close-button")).to_have_count(0)
    assert (
        shell(
            stack,
            "from support.models import Contact; "
            "c = Contact.objects.get(external_id='demo-user-42'); "
            "print(c.identified, c.device.get('app_version'), c.device.get('model'))",
        )
        == "True 4.2.0 iPhone 15"
    )
    assert not errors


def test_identify_then_reset_forgets_the_user(host_site, new_context, stack):
    from support.identity import identity_hash

    signed = identity_hash(secret="demo-secret", external_id="user-reset-1")  # seed_demo's secret
    name = host_site["page"](
        "reset.html",
        f"Destek('identify', {{external_id: 'user-reset-1', hash: '{signed}', name: 'Ada'}});"
        "Destek('open');",
    )
    page = new_context().new_page()
    errors = console_errors(page)
    page.goto(f"{host_site['allowed']}/{name}")
    widget = page.frame_locator("#destek-frame")
    expect(widget.locator("#composer-input")).to_be_visible()
    contact = (
        "from support.models import Contact; c = Contact.objects.get(external_id='user-reset-1'); "
    )
    assert shell(stack, contact + "print(c.identified, c.token_version)") == "True 1"

    page.evaluate("Destek.reset()")
    expect(widget.locator("#composer-input")).to_be_visible()
    # Logged out: the user's tokens are revoked and the widget goes on as a new anonymous visitor.
    wait_until(page, lambda: shell(stack, contact + "print(c.token_version)") == "2", timeout=15)
    visitor_sends(widget, "Hello after logout")
    owner = shell(
        stack,
        "from support.models import Message; m = Message.objects.get(body='Hello after logout'); "
        "print(m.conversation.contact.external_id or 'anonymous')",
    )
    assert owner == "anonymous"
    assert not errors


def test_message_and_unread_events_reach_the_host_page(host_site, new_context):
    name = host_site["page"](
        "events.html",
        "Destek('on', 'message', function (m) { document.body.dataset.lastMessage = m.body; });"
        "Destek('on', 'unread', function (n) { document.body.dataset.unread = n; });",
    )
    agent = new_context().new_page()
    agent_login(agent, host_site["server"], view="all")
    page = new_context().new_page()
    page.goto(f"{host_site['allowed']}/{name}")
    page.locator("#destek-launcher").click()
    widget = page.frame_locator("#destek-frame")
    visitor_sends(widget, "Events test: is anyone there?")
    page.evaluate("Destek.close()")

    agent.locator(".inbox-row", has_text="Events test").locator("a").click()
    agent.locator("#composer-body").fill("Yes, right here.")
    agent.locator("#composer-body").press("Enter")
    expect(page.locator("body")).to_have_attribute("data-last-message", "Yes, right here.")
    expect(page.locator("body")).to_have_attribute("data-unread", "1")
    expect(page.locator("#destek-badge")).to_have_text("1")
