"""What config/settings.py picks from the environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "import json, django; from django.conf import settings; django.setup(); "
    "options = settings.DATABASES['default'].get('OPTIONS', {}); "
    "print(json.dumps({'cache': settings.CACHES['default']['BACKEND'], "
    "'sessions': settings.SESSION_ENGINE, "
    "'binding': [options.get('server_side_binding'), options.get('prepare_threshold')]}))"
)
POSTGRES = "postgres://destek@db.example/destek"


def settings_with(**env) -> dict:
    unset = ("REDIS_URL", "CACHE_URL", "DATABASE_URL", "DATABASE_SERVER_SIDE_BINDING")
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment |= {"DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "x" * 50, **env}
    result = subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_redis_the_cache_is_shared_and_sessions_are_read_from_it():
    chosen = settings_with(REDIS_URL="redis://127.0.0.1:6379/5")
    assert (chosen["cache"], chosen["sessions"]) == (
        "django.core.cache.backends.redis.RedisCache",
        "django.contrib.sessions.backends.cached_db",
    )


def test_without_redis_sessions_stay_in_the_database():
    """A per-process cache must not hold sessions: a sign-out would not reach the others."""
    chosen = settings_with()
    assert (chosen["cache"], chosen["sessions"]) == (
        "django.core.cache.backends.locmem.LocMemCache",
        "django.contrib.sessions.backends.db",
    )


def test_postgresql_prepares_statements_by_default():
    """Server-side binding, prepared after 5 runs: PostgreSQL stops re-planning the hot path."""
    assert settings_with(DATABASE_URL=POSTGRES)["binding"] == [True, 5]


def test_server_side_binding_can_be_turned_off_for_a_pooler():
    """PgBouncer in transaction mode before 1.21 cannot keep a connection's prepared statements."""
    chosen = settings_with(DATABASE_URL=POSTGRES, DATABASE_SERVER_SIDE_BINDING="0")
    assert chosen["binding"] == [None, None]
