"""Every public page and the console carry a script policy with no inline or eval'd code."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip().split(" ", 1)[1]
        for part in header.split(";")
        if part.strip()
    }


@pytest.mark.parametrize("url", ["/demo/", "/console/login/", "/help/"])
def test_pages_forbid_inline_scripts_and_framing(client, settings, url):
    settings.DESTEK = {**settings.DESTEK, "DEMO": True}
    factories.widget(key="demo")
    response = client.get(url)

    assert response.status_code == 200
    directives = policy(response)
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"]
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


def test_the_widget_page_may_be_framed_only_by_its_allowed_origins(client):
    widget = factories.widget(key="shop", allowed_origins=["https://shop.example"])

    response = client.get(f"/widget/?key={widget.key}")

    directives = policy(response)
    assert directives["frame-ancestors"] == "'self' https://shop.example"
    assert directives["script-src"] == "'self'"
    assert "X-Frame-Options" not in response


def test_the_admin_keeps_djangos_own_headers(client):
    response = client.get("/admin/login/")
    assert "Content-Security-Policy" not in response
    assert response["X-Frame-Options"] == "DENY"
