"""What config/settings.py picks from the environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'cache': settings.CACHES['default']['BACKEND'], "
    "'sessions': settings.SESSION_ENGINE}))"
)


def settings_with(**env) -> dict:
    environment = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CACHE_URL")}
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
    assert chosen == {
        "cache": "django.core.cache.backends.redis.RedisCache",
        "sessions": "django.contrib.sessions.backends.cached_db",
    }


def test_without_redis_sessions_stay_in_the_database():
    """A per-process cache must not hold sessions: a sign-out would not reach the others."""
    chosen = settings_with()
    assert chosen == {
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "sessions": "django.contrib.sessions.backends.db",
    }
