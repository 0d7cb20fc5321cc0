"""The demo pages: the shop with its cart and log-in, and the app view."""

import re

import pytest

from support.identity import identity_hash
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_demo_shop_embeds_the_loader_and_signs_its_user(client):
    widget = factories.widget(key="demo")
    response = client.get("/demo/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-widget-key="demo"' in html
    assert "demo/shop.js" in html
    signed = identity_hash(secret=widget.secret, external_id="demo-user-42")
    assert f'data-hash="{signed}"' in html
    assert "<script>" not in html  # CSP: no inline script


def test_the_app_demo_frames_the_widget_in_app_mode_with_identity_and_device(client):
    widget = factories.widget(key="demo")
    response = client.get("/demo/app/")
    assert response.status_code == 200
    src = re.search(r'<iframe src="([^"]+)"', response.content.decode()).group(1)
    src = src.replace("&amp;", "&")
    assert src.startswith("/widget/?mode=app&widget_key=demo")
    assert "external_id=demo-user-42" in src
    assert f"hash={identity_hash(secret=widget.secret, external_id='demo-user-42')}" in src
    assert "app_version=4.2.0" in src
    assert client.get(src).status_code == 200
