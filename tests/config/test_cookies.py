"""Cookies: HttpOnly and SameSite always, Secure whenever DEBUG is off."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def production_settings() -> dict:
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "x" * 50}
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({k: getattr(settings, k) for k in ("
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'CSRF_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE', 'CSRF_COOKIE_SAMESITE')}))"
    )
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_production_cookies_are_secure_httponly_and_samesite():
    values = production_settings()

    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SAMESITE": "Lax",
    }


@pytest.mark.django_db
def test_the_console_sign_in_sets_httponly_samesite_cookies(client, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    factories.agent(username="ayse")

    page = client.get("/console/login/")
    csrf = page.cookies["csrftoken"]
    response = client.post(
        "/console/login/", {"username": "ayse", "password": "pw-12345-test"}, secure=True
    )

    session = response.cookies["sessionid"]
    assert response.status_code == 302
    assert session["httponly"] and session["secure"] and session["samesite"] == "Lax"
    assert csrf["httponly"] and csrf["secure"] and csrf["samesite"] == "Lax"
