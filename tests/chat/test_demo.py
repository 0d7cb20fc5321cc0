"""The demo pages: the shop with its cart and log-in, and the app view; only with the demo on."""

import re

import pytest

from support.demo import DEMO_WIDGET_SECRET
from support.identity import identity_hash
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_on(settings):
    settings.DESTEK = {**settings.DESTEK, "DEMO": True}


@pytest.fixture
def demo_widget(db):
    return factories.widget(key="demo", secret=DEMO_WIDGET_SECRET)


def test_the_demo_shop_embeds_the_loader_and_signs_its_user(client, demo_on, demo_widget):
    response = client.get("/demo/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-widget-key="demo"' in html
    assert "demo/shop.js" in html
    signed = identity_hash(secret=DEMO_WIDGET_SECRET, external_id="demo-user-42")
    assert f'data-hash="{signed}"' in html
    assert "<script>" not in html  # CSP: no inline script


def test_the_app_demo_frames_the_widget_in_app_mode_with_identity_and_device(
    client, demo_on, demo_widget
):
    response = client.get("/demo/app/")
    assert response.status_code == 200
    src = re.search(r'<iframe src="([^"]+)"', response.content.decode()).group(1)
    src = src.replace("&amp;", "&")
    assert src.startswith("/widget/?mode=app&widget_key=demo")
    assert "external_id=demo-user-42" in src
    assert f"hash={identity_hash(secret=DEMO_WIDGET_SECRET, external_id='demo-user-42')}" in src
    assert "app_version=4.2.0" in src
    assert client.get(src).status_code == 200


def test_the_root_is_the_demo_shop_when_the_demo_is_on(client, demo_on):
    assert client.get("/").headers["Location"] == "/demo/"


def test_without_the_demo_switch_there_are_no_demo_pages(client, demo_widget):
    """Production leaves DESTEK_DEMO unset: no page signs anything, and the root is the console."""
    assert client.get("/demo/").status_code == 404
    assert client.get("/demo/app/").status_code == 404
    assert client.get("/").headers["Location"] == "/console/"


def test_the_demo_pages_serve_only_the_demo_widget(client, demo_on, demo_widget):
    factories.widget(key="prod")

    shop = client.get("/demo/?key=prod").content.decode()
    app = client.get("/demo/app/?key=prod").content.decode()

    assert 'data-widget-key="demo"' in shop and 'data-widget-key="prod"' not in shop
    assert "widget_key=demo&amp;" in app and "widget_key=prod" not in app


def test_a_demo_widget_given_a_real_secret_is_never_signed_for(client, demo_on, demo_widget):
    demo_widget.secret = "a-real-secret-" + "x" * 40
    demo_widget.save(update_fields=["secret"])
    real_hash = identity_hash(secret=demo_widget.secret, external_id="demo-user-42")

    shop = client.get("/demo/").content.decode()
    app = client.get("/demo/app/").content.decode()

    assert real_hash not in shop and real_hash not in app
    assert 'data-hash=""' in shop and " disabled>" in shop  # the log-in button does nothing
    assert "external_id=" not in app and "hash=" not in app


def test_without_the_demo_widget_the_demo_pages_are_not_found(client, demo_on):
    assert client.get("/demo/").status_code == 404
    assert client.get("/demo/app/").status_code == 404


def test_the_turkish_demo_shop_says_giris_yap_like_a_turkish_shop(client, demo_on, demo_widget):
    # A bare "Log in" is the Django admin's "Oturum aç" (its catalog comes first).
    html = client.get("/demo/", headers={"accept-language": "tr-TR,tr;q=0.9"}).content.decode()
    assert ">Giriş yap</button>" in html
    assert ">Çıkış yap</button>" in html
    assert "Oturum" not in html
