"""The WordPress plugin end to end: a real WordPress (Debian's package, MariaDB, PHP's built-in
server, tests/wordpress_site.py) with the plugin activated and set up for a widget of the real
Destek server; a customer logs in, opens a page, chats, and arrives in Destek as that user.
No page WordPress serves, to the customer or the administrator, contains the identity secret.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.pages import visitor_sends
from tests.wordpress_site import WordPressSite, require_wordpress

SECRET = "wp-browser-secret-7Hq2xV"
CUSTOMER = ("elif", "elif-password-1")


@pytest.fixture(scope="module")
def wordpress(tmp_path_factory, stack, server):
    require_wordpress()
    site = WordPressSite(tmp_path_factory.mktemp("wordpress"))
    try:
        site.install()
        stack.manage(
            "shell",
            "-c",
            "from support.models import Widget; Widget.objects.create(key='wordpress', "
            f"name='WordPress shop', secret='{SECRET}', allowed_origins=['{site.url}'], "
            "bot_enabled=False)",
        )
        site.activate_plugin(server_url=server, widget_key="wordpress", secret=SECRET)
        site.user_id = site.create_user(*CUSTOMER, "Elif Yılmaz", "elif@example.com")
        site.serve()
        yield site
    finally:
        site.stop()


def shell(stack, code: str) -> str:
    return stack.manage("shell", "-c", code).strip().splitlines()[-1]


def record_documents(page, site, documents: dict) -> None:
    """Every HTML page WordPress answers in this tab (redirect targets included), for the
    secret check at the end; the events arrive while Playwright waits, so a check right after
    a goto reads that goto's own response instead."""

    def keep(response):
        page_of_the_site = response.request.resource_type == "document" and (
            response.url.startswith(site.url)
        )
        if page_of_the_site and not 300 <= response.status < 400:
            documents[response.url] = response.text()

    page.on("response", keep)


def log_in(page, login: tuple[str, str], site) -> None:
    page.goto(f"{site.url}/wp-login.php")
    page.fill("#user_login", login[0])
    page.fill("#user_pass", login[1])
    page.click("#wp-submit")
    # WordPress's first admin page (the dashboard, under PHP's built-in server) can outlast the
    # 10 s default while a parallel suite loads both cores.
    page.wait_for_url(re.compile(r"/wp-admin/"), timeout=30_000)


def test_a_logged_in_customer_chats_as_herself_and_no_page_has_the_secret(
    wordpress, new_context, stack
):
    documents: dict[str, str] = {}
    page = new_context().new_page()
    record_documents(page, wordpress, documents)

    # Anonymous first: the loader on the page, no identity.
    html = page.goto(f"{wordpress.url}/").text()
    expect(page.locator("#destek-launcher")).to_be_visible()
    assert "Destek('identify'" not in html

    log_in(page, CUSTOMER, wordpress)
    html = page.goto(f"{wordpress.url}/hello-world/").text()
    assert re.search(r"<script async data-widget-key=\"wordpress\" src='[^']+/loader\.js'", html)
    assert f'"external_id":"{wordpress.user_id}"' in html

    page.click("#destek-launcher")
    widget = page.frame_locator("#destek-frame")
    expect(widget.locator("#composer-input")).to_be_visible()
    visitor_sends(widget, "Where is my order? (WordPress)")
    # In Destek: the conversation belongs to the WordPress user, verified by the signature.
    owner = shell(
        stack,
        "from support.models import Message; "
        "c = Message.objects.get(body='Where is my order? (WordPress)').conversation.contact; "
        "print(c.widget.key, c.external_id, c.identified, c.name, c.email)",
    )
    assert owner == f"wordpress {wordpress.user_id} True Elif Yılmaz elif@example.com"

    # Logging out: the next page tells the widget to forget her (a shared computer), once.
    contact = (
        "from support.models import Contact; "
        f"c = Contact.objects.get(widget__key='wordpress', external_id='{wordpress.user_id}'); "
    )
    assert shell(stack, contact + "print(c.token_version)") == "1"
    page.goto(page.locator("#wp-admin-bar-logout a").get_attribute("href"))
    # The browser asks for /favicon.ico after each page, WordPress answers it: that request
    # must not use the logout up before the next page (it did, now and then, by a race).
    page.request.get(f"{wordpress.url}/favicon.ico", max_redirects=0)
    assert "Destek('reset')" in page.goto(f"{wordpress.url}/").text()
    for _ in range(50):
        if shell(stack, contact + "print(c.token_version)") == "2":
            break
        page.wait_for_timeout(200)
    assert shell(stack, contact + "print(c.token_version)") == "2"
    html = page.goto(f"{wordpress.url}/hello-world/").text()
    assert "Destek('reset')" not in html
    assert "Destek('identify'" not in html

    # The administrator's pages: the settings page too.
    admin = new_context().new_page()
    record_documents(admin, wordpress, documents)
    log_in(admin, WordPressSite.ADMIN, wordpress)
    admin.goto(f"{wordpress.url}/wp-admin/options-general.php?page=destek")
    expect(admin.locator("#destek_identity_secret")).to_have_value("")
    admin.goto(f"{wordpress.url}/wp-admin/plugins.php")
    expect(admin.locator("tr[data-plugin='destek/destek.php']")).to_contain_text("Destek Live Chat")

    assert len(documents) >= 6, list(documents)
    leaking = [url for url, text in documents.items() if SECRET in text]
    assert leaking == []
