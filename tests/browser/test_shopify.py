"""The Shopify snippet in a browser: rendered with python-liquid (tests/integrations/test_shopify.py
adds Shopify's hmac_sha256 filter), served by a stand-in storefront on another loopback port that
answers Shopify's cart JSON (/cart.js, /cart/add.js) the way Shopify's AJAX API documents it,
with the real Destek server behind the widget.
"""

import http.server
import json
import threading

import pytest
from playwright.sync_api import expect

from tests.integrations.test_shopify import render
from tests.stack import free_port

SECRET = "shopify-browser-secret-Q8m"
CUSTOMER = {"id": 7410598576281, "name": "Elif Yılmaz", "email": "elif@example.com"}


@pytest.fixture(scope="module")
def storefront(stack, server):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    stack.manage(
        "shell",
        "-c",
        "from support.models import Widget; Widget.objects.create(key='shopify', "
        f"name='Shopify shop', secret='{SECRET}', allowed_origins=['{url}'], bot_enabled=False)",
    )
    settings = {
        "destek_server_url": server,
        "destek_widget_key": "shopify",
        "destek_secret": SECRET,
    }
    cart = {"items": []}

    def cart_json():
        count = sum(item["quantity"] for item in cart["items"])
        total = sum(item["quantity"] * item["price"] for item in cart["items"])
        return {
            "item_count": count,
            "total_price": total,
            "currency": "TRY",
            "items": cart["items"],
        }

    class Storefront(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.startswith("/cart.js"):
                return self.send(json.dumps(cart_json()), "application/json")
            template = "cart" if self.path.startswith("/cart") else "index"
            body = render(customer=CUSTOMER, settings=settings, template={"name": template})
            page = (
                "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Shop</title>"
                "<link rel='icon' href='data:,'><script>"
                "window.Destek = window.Destek || function () {"
                " (Destek.q = Destek.q || []).push(arguments); };"
                "Destek('on', 'track', function (name, details) {"
                " document.body.dataset.tracked = (document.body.dataset.tracked || '')"
                " + name + ':' + details.items + ':' + details.total + ';'; });"
                f"</script></head><body><h1>A Shopify shop</h1>{body}</body></html>"
            )
            return self.send(page, "text/html; charset=utf-8")

        def do_POST(self):
            if self.path.startswith("/cart/add.js"):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                cart["items"].append({"title": "Latte", "quantity": 2, "price": 6250})
                return self.send(json.dumps(cart["items"][-1]), "application/json")
            self.send_error(404)

        def send(self, text, content_type):
            data = text.encode()
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Storefront)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield url
    httpd.shutdown()


def test_a_shopify_customer_is_identified_and_cart_events_are_tracked(
    storefront, new_context, stack
):
    page = new_context().new_page()
    response = page.goto(f"{storefront}/")
    assert SECRET not in response.text()
    expect(page.locator("#destek-launcher")).to_be_visible()

    # A theme's AJAX add to cart: the snippet sees it and reads the cart again.
    page.evaluate("fetch('/cart/add.js', {method: 'POST', body: 'id=1&quantity=2'})")
    expect(page.locator("body")).to_have_attribute("data-tracked", "cart_item_added:2:125.00;")
    response = page.goto(f"{storefront}/cart")
    assert SECRET not in response.text()
    expect(page.locator("body")).to_have_attribute("data-tracked", "cart_viewed:2:125.00;")

    page.click("#destek-launcher")
    widget = page.frame_locator("#destek-frame")
    widget.locator("#composer-input").fill("Where is my Shopify order?")
    widget.locator("#composer-input").press("Enter")
    expect(widget.locator(".msg-visitor", has_text="Shopify order")).to_be_visible()
    owner = stack.manage(
        "shell",
        "-c",
        "from support.models import Message; import time\n"
        "for _ in range(50):\n"
        "    m = Message.objects.filter(body='Where is my Shopify order?').first()\n"
        "    if m: break\n"
        "    time.sleep(0.2)\n"
        "c = m.conversation.contact\n"
        "print(c.widget.key, c.external_id, c.identified, c.name)",
    )
    assert owner.strip().splitlines()[-1] == f"shopify {CUSTOMER['id']} True Elif Yılmaz"
