"""The WordPress plugin's server side on a real WordPress (Debian's package, MariaDB, PHP's
built-in server): the signed context-card endpoint over HTTP, the settings page, and, with a
stand-in for WooCommerce (tests/integrations/wordpress/fake_woocommerce.php, WooCommerce's own
function and method names), the order mapping and the cart/checkout/order events.

WooCommerce itself is not installed here (Debian has no package): its real queries and hooks
firing inside WooCommerce are not exercised, only the plugin's side of them.
"""

import hashlib
import hmac
import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.wordpress_site import WordPressSite, require_wordpress

SECRET = "wp-test-secret-Kq83nZ"
WIDGET = "shop"
FAKE_WOOCOMMERCE = Path(__file__).parent / "wordpress" / "fake_woocommerce.php"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    require_wordpress()
    site = WordPressSite(tmp_path_factory.mktemp("wordpress"))
    try:
        site.install()
        site.activate_plugin(
            server_url="https://support.example.com", widget_key=WIDGET, secret=SECRET
        )
        site.user_id = site.create_user(
            "elif", "elif-password-1", "Elif Yılmaz", "elif@example.com"
        )
        site.serve()
        yield site
    finally:
        site.stop()


def sign(body: bytes, timestamp: int, secret: str = SECRET) -> dict:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Destek-Timestamp": str(timestamp), "X-Destek-Signature": f"sha256={digest}"}


def post_context(site, body: bytes, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{site.url}/wp-json/destek/v1/context",
        data=body,
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def context_body(external_id, widget=WIDGET) -> bytes:
    return json.dumps(
        {"external_id": external_id, "widget": widget, "conversation_id": 123}
    ).encode()


def test_a_signed_request_gets_the_account_card(site):
    body = context_body(str(site.user_id))
    status, answer = post_context(site, body, sign(body, int(time.time())))
    assert status == 200, answer
    # Without WooCommerce: the account only, as a "fields" card of the contract.
    assert answer == {
        "cards": [
            {
                "type": "fields",
                "title": "Account",
                "fields": [
                    {
                        "label": "Name",
                        "value": "Elif Yılmaz",
                        "url": f"{site.url}/wp-admin/user-edit.php?user_id={site.user_id}",
                    },
                    {"label": "Email", "value": "elif@example.com"},
                    {"label": "Customer since", "value": answer["cards"][0]["fields"][2]["value"]},
                ],
            }
        ]
    }
    assert answer["cards"][0]["fields"][2]["value"]


def test_a_bad_signature_is_refused(site):
    body = context_body(str(site.user_id))
    now = int(time.time())
    for headers in (
        sign(body, now, secret="not-the-secret"),
        sign(body + b" ", now),  # the body changed after signing
        {"X-Destek-Timestamp": str(now), "X-Destek-Signature": "sha256=" + "0" * 64},
        {},
    ):
        status, answer = post_context(site, body, headers)
        assert status == 401, headers
        assert answer["code"] == "destek_unauthorized"
        assert "cards" not in answer


def test_a_stale_or_future_timestamp_is_refused(site):
    body = context_body(str(site.user_id))
    # A few seconds past the 300 s window: the request may reach the server a second later.
    for timestamp in (int(time.time()) - 305, int(time.time()) + 305):
        status, answer = post_context(site, body, sign(body, timestamp))
        assert status == 401, timestamp
        assert "replay window" in answer["message"]
    # Inside the window: accepted.
    status, _ = post_context(site, body, sign(body, int(time.time()) - 250))
    assert status == 200


def test_another_widget_or_an_unknown_user_gets_nothing(site):
    body = context_body(str(site.user_id), widget="another-widget")
    status, _ = post_context(site, body, sign(body, int(time.time())))
    assert status == 401
    for unknown in ("999999", "elif@example.com", "0", ""):
        body = context_body(unknown)
        status, answer = post_context(site, body, sign(body, int(time.time())))
        assert (status, answer) == (200, {"cards": []}), unknown
    body = b"not json"
    status, answer = post_context(site, body, sign(body, int(time.time())))
    assert status == 400


def run_with_fake_woocommerce(site, code: str, *args: str) -> dict:
    out = site.php(f"require {json.dumps(str(FAKE_WOOCOMMERCE))};\n" + code, *args)
    return json.loads(out)


def test_the_orders_card_maps_woocommerce_orders_through_the_signed_route(site):
    body = context_body(str(site.user_id))
    headers = sign(body, int(time.time()))
    answer = run_with_fake_woocommerce(
        site,
        """
        $request = new WP_REST_Request('POST', '/destek/v1/context');
        $request->set_header('X-Destek-Timestamp', $argv[2]);
        $request->set_header('X-Destek-Signature', $argv[3]);
        $request->set_header('Content-Type', 'application/json');
        $request->set_body($argv[1]);
        $response = rest_do_request($request);
        echo wp_json_encode(['status' => $response->get_status(), 'data' => $response->get_data(),
            'queries' => $GLOBALS['fake_wc_queries']]);
        """,
        body.decode(),
        headers["X-Destek-Timestamp"],
        headers["X-Destek-Signature"],
    )
    assert answer["status"] == 200, answer
    # The customer's orders: WooCommerce's customer id is the WordPress user id (the external id).
    assert answer["queries"] == [
        {
            "customer_id": site.user_id,
            "limit": 5,
            "orderby": "date",
            "order": "DESC",
            "type": "shop_order",
        }
    ]
    account, orders = answer["data"]["cards"]
    assert account["type"] == "fields"
    assert orders == {
        "type": "orders",
        "title": "Recent orders",
        "orders": [
            {
                "number": "1071",
                "status": "Processing",
                "total": "12.50",
                "currency": "TRY",
                "date": "2026-12-01T09:00:00Z",
                "url": f"{site.url}/my-account/view-order/71/",
                "items": [{"name": "Latte", "quantity": 2}, {"name": "Simit", "quantity": 1}],
            },
            {
                "number": "1070",
                "status": "Completed",
                "total": "240.00",
                "currency": "TRY",
                "date": "2026-11-20T09:30:00Z",
                "url": f"{site.url}/my-account/view-order/70/",
                "items": [],
            },
        ],
    }


def test_cart_checkout_and_order_events_become_track_calls(site):
    answer = run_with_fake_woocommerce(
        site,
        """
        Destek_WooCommerce::register();
        // An item added by an AJAX request: waits in the WooCommerce session.
        do_action('woocommerce_add_to_cart', 'item-key', 12, 2, 0, [], []);
        $queued = WC()->session->get('destek_events');
        // The next page is the checkout page.
        $GLOBALS['fake_wc_page'] = 'checkout';
        Destek_WooCommerce::page_events();
        // The order is placed; its thank-you page is loaded twice.
        do_action('woocommerce_thankyou', 71);
        do_action('woocommerce_thankyou', 71);
        Destek_Frontend::enqueue();
        Destek_Frontend::print_events();
        echo wp_json_encode(['queued' => $queued,
            'after' => WC()->session->get('destek_events'),
            'saves' => wc_get_order(71)->saves,
            'before' => wp_scripts()->get_data('destek-loader', 'before')]);
        """,
    )
    assert answer["queued"] == [["cart_item_added", {"product": "Product 12", "quantity": 2}]]
    assert answer["after"] is None  # sent once
    assert answer["saves"] == 1  # the order is marked as tracked once
    # WordPress keeps a `false` first in this list (it skips it when printing).
    script = "".join(part for part in answer["before"] if isinstance(part, str))
    assert script.startswith("window.Destek=window.Destek||function()")
    calls = [line for line in script.split(";") if line.startswith("Destek('track'")]
    assert calls == [
        'Destek(\'track\',"cart_item_added",{"product":"Product 12","quantity":2})',
        'Destek(\'track\',"checkout_started",{"items":3,"total":"149.90","currency":"TRY"})',
        'Destek(\'track\',"order_placed",{"number":"1071","total":"12.50","currency":"TRY"})',
    ]
    assert SECRET not in script


def test_identity_is_signed_on_the_server_and_the_secret_stays_there(site):
    answer = run_with_fake_woocommerce(
        site,
        """
        wp_set_current_user((int) $argv[1]);
        echo wp_json_encode(['identity' => Destek_Frontend::identity(),
            'script' => Destek_Frontend::inline_script()]);
        """,
        str(site.user_id),
    )
    from support.identity import identity_hash

    assert answer["identity"] == {
        "external_id": str(site.user_id),
        "hash": identity_hash(secret=SECRET, external_id=str(site.user_id)),
        "name": "Elif Yılmaz",
        "email": "elif@example.com",
    }
    assert SECRET not in answer["script"]


class Browser:
    """Cookies and forms over plain HTTP, as a browser without JavaScript would send them."""

    def __init__(self, site):
        self.site = site
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.site.url + path, timeout=15) as response:
            return response.read().decode()

    def post(self, path: str, fields: dict) -> str:
        data = urlencode(fields).encode()
        with self.opener.open(self.site.url + path, data=data, timeout=15) as response:
            return response.read().decode()

    def log_in(self, login: str, password: str) -> None:
        self.get("/wp-login.php")  # sets WordPress's test cookie
        self.post(
            "/wp-login.php",
            {"log": login, "pwd": password, "testcookie": "1", "redirect_to": "/wp-admin/"},
        )
        assert any(c.name.startswith("wordpress_logged_in_") for c in self.jar), "not logged in"


def form_value(page: str, name: str) -> str:
    match = re.search(rf"name=[\"']{re.escape(name)}[\"'] value=[\"']([^\"']*)[\"']", page)
    assert match, f"no {name} in the page"
    return match.group(1)


def test_the_settings_page_never_shows_the_secret_and_keeps_it_when_left_empty(site):
    admin = Browser(site)
    admin.log_in(*WordPressSite.ADMIN)
    page = admin.get("/wp-admin/options-general.php?page=destek")
    assert "Destek live chat" in page
    assert 'name="destek_identity_secret" value=""' in page
    assert "A secret is stored" in page
    assert SECRET not in page
    assert 'value="https://support.example.com"' in page
    assert "/wp-json/destek/v1/context" in page

    form = {
        "option_page": "destek",
        "action": "update",
        "_wpnonce": form_value(page, "_wpnonce"),
        "_wp_http_referer": "/wp-admin/options-general.php?page=destek",
        "destek_server_url": "https://support.example.com/",
        "destek_widget_key": WIDGET,
        "destek_identity_secret": "",
    }
    # The secret field left empty: saved, and the secret is still the same.
    page = admin.post("/wp-admin/options.php", form)
    assert "Settings saved." in page
    assert SECRET not in page
    stored = site.php(
        "echo get_option('destek_identity_secret'), ' ', get_option('destek_server_url');"
    )
    assert stored == f"{SECRET} https://support.example.com"

    # A bad widget key is refused with a message, the old one kept.
    page = admin.post("/wp-admin/options.php", {**form, "destek_widget_key": "no spaces <b>"})
    assert "A widget key has only letters" in page
    assert site.php("echo get_option('destek_widget_key');") == WIDGET

    # Without the nonce, or as a subscriber, nothing is saved.
    with pytest.raises(urllib.error.HTTPError):
        admin.post(
            "/wp-admin/options.php", {**form, "_wpnonce": "forged", "destek_widget_key": "x"}
        )
    customer = Browser(site)
    customer.log_in("elif", "elif-password-1")
    with pytest.raises(urllib.error.HTTPError):
        customer.get("/wp-admin/options-general.php?page=destek")
    assert site.php("echo get_option('destek_widget_key');") == WIDGET


def test_the_cards_speak_the_agents_language_when_destek_names_it(site):
    body = context_body(str(site.user_id))
    status, answer = post_context(
        site, body, {**sign(body, int(time.time())), "Accept-Language": "tr"}
    )
    assert status == 200
    assert answer["cards"][0]["title"] == "Hesap"
    assert answer["cards"][0]["fields"][1] == {"label": "E-posta", "value": "elif@example.com"}
    status, answer = post_context(
        site, body, {**sign(body, int(time.time())), "Accept-Language": "en"}
    )
    assert answer["cards"][0]["title"] == "Account"


def test_the_cards_speak_the_sites_language(site):
    cards = json.loads(
        site.php(
            """
            switch_to_locale('tr_TR');
            echo wp_json_encode(Destek_Context::cards($argv[1]));
            """,
            str(site.user_id),
        )
    )
    assert cards[0]["title"] == "Hesap"
    assert [field["label"] for field in cards[0]["fields"]] == [
        "Ad",
        "E-posta",
        "Müşteri olduğu tarih",
    ]


def test_the_shipped_turkish_catalog_is_compiled_from_its_source():
    import polib

    languages = Path(__file__).resolve().parents[2] / "integrations/wordpress/destek/languages"
    po = polib.pofile(str(languages / "destek-tr_TR.po"))
    mo = polib.mofile(str(languages / "destek-tr_TR.mo"))
    assert po.percent_translated() == 100
    assert {e.msgid: e.msgstr for e in mo} == {e.msgid: e.msgstr for e in po}
    # Every text the plugin translates is in the template and the catalog.
    pot = polib.pofile(str(languages / "destek.pot"))
    assert {e.msgid for e in pot} == {e.msgid for e in po}


def test_deleting_the_plugin_deletes_its_settings(site):
    left = site.php(
        """
        require_once ABSPATH . 'wp-admin/includes/plugin.php';
        deactivate_plugins('destek/destek.php');
        uninstall_plugin('destek/destek.php');
        echo wp_json_encode(array_map(fn ($name) => get_option($name, null),
            ['destek_server_url', 'destek_widget_key', 'destek_identity_secret']));
        """
    )
    try:
        assert json.loads(left) == [None, None, None]
    finally:
        site.activate_plugin(
            server_url="https://support.example.com", widget_key=WIDGET, secret=SECRET
        )


# Last: what every test above made the plugin do.
def test_the_plugin_logs_no_php_warnings(site):
    plugin_lines = [line for line in site.debug_log().splitlines() if "plugins/destek/" in line]
    assert plugin_lines == []
