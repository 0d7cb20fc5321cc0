"""The test run's settings: config.settings with what the tests need, set explicitly.

pytest-django imports this module (pyproject.toml names it) before any conftest, so the
environment filled in here is in place when config.settings reads it. Everything else keeps
the production defaults (DEBUG off, Secure cookies, no private webhook targets); servers the
tests start get an environment of their own (tests/stack.py).
"""

import os
import secrets

# A fresh random key per run: nothing a test run signs is valid anywhere else.
os.environ["SECRET_KEY"] = "tests-" + secrets.token_urlsafe(48)
# The tests read English by default, whatever site language the shell running them sets
# (tests/config/test_language_setting.py starts processes with DESTEK_LANGUAGE of their own).
os.environ.pop("DESTEK_LANGUAGE", None)
# Parallel test workers (pytest-xdist) share one Redis: each its own channel-layer and cache
# prefix and Celery queue. Pub/sub ignores Redis database numbers, so the prefix names the
# database too (two checkouts testing at once on different databases stay apart).
os.environ.setdefault(
    "CHANNEL_LAYER_PREFIX",
    "destek-test-{}-{}".format(
        os.environ.get("REDIS_URL", "").rpartition("/")[2] or "0",
        os.environ.get("PYTEST_XDIST_WORKER", "main"),
    ),
)
os.environ.setdefault("CELERY_QUEUE", os.environ["CHANNEL_LAYER_PREFIX"])

from config.settings import *  # noqa: F403

# The test client speaks plain HTTP; tests/config/test_production_settings.py checks the
# redirect with the production environment.
SECURE_SSL_REDIRECT = False

# Hashing a password the production way (PBKDF2, hundreds of thousands of rounds) costs each
# test that creates or logs in a user a noticeable fraction of a second; the tests check who may
# log in, not the hash. Servers the tests start (tests/stack.py) keep the production hashers.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
