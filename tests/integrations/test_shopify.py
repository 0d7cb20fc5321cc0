"""The Shopify snippet (integrations/shopify/destek-embed.liquid) rendered by python-liquid.

Shopify's `hmac_sha256` filter is Shopify's own, not standard Liquid: it is added here as
Shopify documents it (`{{ 'text' | hmac_sha256: 'key' }}` is the hex HMAC-SHA256 of the text,
keyed with the argument). What this checks is the snippet: that it signs the customer's id with
the theme's secret the way Destek verifies it, and never prints the secret.
"""

import hashlib
import hmac
import html
import json
import re
from pathlib import Path

import pytest
from liquid import Environment

from support.identity import identity_hash

SHOPIFY = Path(__file__).resolve().parents[2] / "integrations" / "shopify"
SECRET = "shopify-theme-secret-Zp4w"
SETTINGS = {
    "destek_server_url": "https://support.example.com/",
    "destek_widget_key": "shop",
    "destek_secret": SECRET,
}


def shopify_hmac_sha256(value, key) -> str:
    return hmac.new(str(key).encode(), str(value).encode(), hashlib.sha256).hexdigest()


def render(**context) -> str:
    env = Environment()
    env.filters["hmac_sha256"] = shopify_hmac_sha256
    template = env.from_string((SHOPIFY / "destek-embed.liquid").read_text())
    return template.render(**{"settings": SETTINGS, "template": {"name": "product"}, **context})


def attribute(output: str, name: str) -> str | None:
    match = re.search(rf'\b{name}="([^"]*)"', output)
    return html.unescape(match.group(1)) if match else None


def test_a_logged_in_customer_is_signed_as_destek_verifies_it():
    customer = {"id": 7410598576281, "name": 'Elif "<b>" Yılmaz', "email": "elif@example.com"}
    output = render(customer=customer)

    assert attribute(output, "data-external-id") == "7410598576281"
    assert attribute(output, "data-hash") == identity_hash(
        secret=SECRET, external_id="7410598576281"
    )
    # Names are data, never markup.
    assert attribute(output, "data-name") == 'Elif "<b>" Yılmaz'
    assert "<b>" not in output
    assert SECRET not in output
    # The loader, async, from the server without the trailing slash.
    assert (
        '<script async src="https://support.example.com/static/widget/loader.js" '
        'data-widget-key="shop"></script>'
    ) in output


def test_an_anonymous_visitor_gets_the_loader_and_no_identity():
    output = render(customer=None)
    assert "data-hash" not in output
    assert "data-external-id" not in output
    assert "/static/widget/loader.js" in output
    assert SECRET not in output


def test_without_a_secret_no_one_is_identified():
    output = render(
        customer={"id": 1, "name": "A", "email": "a@example.com"},
        settings={**SETTINGS, "destek_secret": ""},
    )
    assert "data-hash" not in output
    assert "/static/widget/loader.js" in output


@pytest.mark.parametrize("missing", ["destek_server_url", "destek_widget_key"])
def test_an_unconfigured_theme_renders_nothing(missing):
    assert render(customer=None, settings={**SETTINGS, missing: ""}).strip() == ""


def test_the_cart_page_is_named_for_the_cart_events():
    assert attribute(render(customer=None, template={"name": "cart"}), "data-template") == "cart"


def test_the_theme_settings_declare_what_the_snippet_reads():
    group = json.loads((SHOPIFY / "settings_schema.destek.json").read_text())
    ids = {setting["id"] for setting in group["settings"] if "id" in setting}
    used = set(re.findall(r"settings\.(destek_\w+)", (SHOPIFY / "destek-embed.liquid").read_text()))
    assert used == ids
