"""Production is the default: what config/settings.py does when a variable is not set.

Each test starts a fresh process with only the variables it names (not the test run's own,
which tests/settings.py fills in), as an operator's environment file would.
"""

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from tests.stack import free_port, procfile_command, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
# The variables docs/deploy.md marks as required, with values an operator would give them.
PRODUCTION = {
    "SECRET_KEY": "k3y-" + "9fQ2mZ7xLw4TbR8vN1cJ6hY0sD5gK3pE" * 2,
    "ALLOWED_HOSTS": "support.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://support.example.com",
    "DATABASE_URL": "",  # filled in per test: a throwaway SQLite file
}
SHOW = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({k: getattr(settings, k) for k in ("
    "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', "
    "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_PROXY_SSL_HEADER', "
    "'EMAIL_BACKEND')} | {'webhooks_to_private_addresses': "
    "settings.DESTEK['WEBHOOK_ALLOW_PRIVATE_ADDRESSES'], 'demo': settings.DESTEK['DEMO']}))"
)


def only(env: dict, tmp_path: Path) -> dict:
    """`env` and nothing else from the operator (PATH to find the programs)."""
    return {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
        **{k: v or f"sqlite:///{tmp_path / 'db.sqlite3'}" for k, v in env.items()},
    }


def run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_without_a_secret_key_nothing_starts(tmp_path):
    """A known key would let anyone forge visitor tokens, /files/ links and sessions."""
    env = only({"ALLOWED_HOSTS": "support.example.com"}, tmp_path)

    # What serves or works: the ASGI and WSGI apps and a Celery worker's start-up.
    starts = (
        ["-c", "import config.asgi"],
        ["-c", "import config.wsgi"],
        ["-c", "import django; django.setup(); from config.celery import app; "
         "from celery.signals import worker_init; worker_init.send(sender=None)"],
    )  # fmt: skip
    for command in starts:
        result = run(command, env)
        assert result.returncode != 0
        assert "SECRET_KEY is not set" in result.stderr
    # Offline commands still run (nothing is signed): the migration check needs no key.
    result = run(["manage.py", "makemigrations", "--check", "--dry-run"], env)
    assert result.returncode == 0, result.stderr


def test_the_public_development_key_needs_debug(tmp_path):
    env = only({**PRODUCTION, "SECRET_KEY": "dev-only-make-run-not-a-secret"}, tmp_path)

    result = run(["manage.py", "check"], env)

    assert result.returncode != 0
    assert "public development key" in result.stderr
    assert run(["manage.py", "check"], {**env, "DEBUG": "1"}).returncode == 0


def test_unset_settings_are_the_production_ones(tmp_path):
    result = run(["-c", SHOW], only(PRODUCTION, tmp_path))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "DEBUG": False,  # no debug page (settings, REDIS_URL) for whoever causes a 500
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        # uvicorn --proxy-headers takes the scheme from trusted proxies only; this header
        # would take it from anyone.
        "SECURE_PROXY_SSL_HEADER": None,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "webhooks_to_private_addresses": False,
        "demo": False,
    }


def test_check_deploy_passes_with_the_documented_production_environment(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], only(PRODUCTION, tmp_path)
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_docs_list_the_required_variables():
    table = (ROOT / "docs" / "deploy.md").read_text().split("## Environment", 1)[1]
    required = set(re.findall(r"^\| `(\w+)` \|[^|]*\| \*\*required\*\*", table, re.MULTILINE))
    assert required == set(PRODUCTION)


def test_behind_the_proxy_https_requests_are_served_and_plain_http_is_redirected(tmp_path):
    """The Procfile's web line as deployed: nginx (here: a header) says the client used HTTPS."""
    port = free_port()
    env = only(PRODUCTION, tmp_path) | {"PORT": str(port), "ALLOWED_HOSTS": "127.0.0.1"}
    log = open(tmp_path / "web.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        ["/bin/sh", "-c", f"exec {procfile_command('web')}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, process=server)
        url = f"http://127.0.0.1:{port}/console/login/"

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect())
        try:
            opener.open(url, timeout=15)
            raise AssertionError("plain HTTP was served")
        except urllib.error.HTTPError as redirect:
            assert redirect.code == 301
            assert redirect.headers["Location"] == f"https://127.0.0.1:{port}/console/login/"

        proxied = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
        with opener.open(proxied, timeout=15) as response:
            assert response.status == 200
            assert response.headers["Strict-Transport-Security"] == (
                "max-age=31536000; includeSubDomains; preload"
            )
            cookie = response.headers["Set-Cookie"]
            assert "csrftoken=" in cookie and "Secure" in cookie
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
