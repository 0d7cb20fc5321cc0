import contextlib
import os
from pathlib import Path

import pytest
from django.utils import translation

REDIS_URL = os.environ.get("REDIS_URL", "")
ROOT = Path(__file__).resolve().parents[1]


def _stale_catalogs() -> list[Path]:
    """The .po files whose .mo is missing or older (the catalogs are per app, docs/i18n.md)."""
    stale = []
    for po in [*ROOT.glob("*/locale/*/LC_MESSAGES/*.po"), *ROOT.glob("locale/*/LC_MESSAGES/*.po")]:
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            stale.append(po)
    return stale


def pytest_sessionstart(session):
    # Tests of Turkish pages need the compiled catalogs (git ignores the .mo files): compiled
    # once per run, only when out of date, by the project's compilemessages (which works
    # without GNU gettext), so a bare `pytest` needs no `make messages` first.
    if not _stale_catalogs():
        return
    from django.core.management import call_command
    from django.utils.translation import trans_real

    with contextlib.chdir(ROOT):  # the command looks for catalogs under the current directory
        call_command("compilemessages", ignore=[".venv", "node_modules"], verbosity=0)
    # Catalogs read before this (none so far, normally) would keep their old texts.
    trans_real._translations = {}
    trans_real._default = None


# Modules whose tests share a module-scoped server, stack or browser (and may build on each
# other's state): under `make test`'s parallel processes each runs whole in one process.
ONE_PROCESS_MODULES = (
    "tests/browser/",
    "tests/chat/test_attachments_s3.py",
    "tests/config/test_translations.py",
    "tests/integrations/test_wordpress_plugin.py",
)


def pytest_xdist_make_scheduler(config, log):
    """Every other test is its own unit of work, handed out in collection order, so each
    process still runs database tests before transactional ones (pytest-django's order: a
    transactional test empties the tables, data migrations' rows included). Whole modules go
    first, longest first, then the single tests fill in."""
    from xdist.scheduler import LoadScopeScheduling

    class ModuleOrTestScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module.startswith(ONE_PROCESS_MODULES) else nodeid

    return ModuleOrTestScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    # Fault tests (tests/faults) run as their own CI step: .ci/run sets DESTEK_FAULT_TESTS=1.
    if not os.environ.get("DESTEK_FAULT_TESTS"):
        skip_faults = pytest.mark.skip(reason="fault tests: set DESTEK_FAULT_TESTS=1 (.ci/run)")
        for item in items:
            if "faults" in item.keywords:
                item.add_marker(skip_faults)
    if REDIS_URL:
        return
    skip = pytest.mark.skip(reason="needs a real Redis: set REDIS_URL (CI does)")
    for item in items:
        if "redis" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def seeded_stack(tmp_path_factory):
    """A stack migrated and seeded once per test run (per worker) and never started: tests
    that run the real processes set up a copy of it (`Stack.setup(copy_of=seeded_stack)`)."""
    from tests.stack import Stack

    seeded = Stack(tmp_path_factory.mktemp("seeded-stack"))
    seeded.setup()
    yield seeded
    seeded.stop()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # Each test its own cache (with REDIS_URL the shared Redis cache would carry rate-limit
    # counts and sessions from test to test); sessions and throttles work the same way.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),
        }
    }
    from console.languages_in_use import languages
    from support import process_cache

    # A test's rolled-back rows send no signal: no cached table outlives its test.
    process_cache.clear_all()
    # Nor a console language its sockets recorded.
    languages.clear()
    yield
    process_cache.clear_all()
    languages.clear()
    # LocaleMiddleware leaves the last test-client request's language active in this thread.
    translation.deactivate()


IN_MEMORY_LAYER = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def redis_layer(kind: str) -> dict:
    backend = {
        "pubsub": "config.channel_layers.PipelinedPubSubChannelLayer",
        "core": "channels_redis.core.RedisChannelLayer",
    }[kind]
    return {
        "default": {
            "BACKEND": backend,
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
                "prefix": f"destek-test-{os.getpid()}",
            },
        }
    }


@pytest.fixture(
    params=[
        pytest.param("memory", id="memory"),
        pytest.param("pubsub", id="redis-pubsub", marks=pytest.mark.redis),
        pytest.param("core", id="redis-core", marks=pytest.mark.redis),
    ]
)
def channel_layer_kind(request, settings):
    """Runs a test on the in-memory layer and on both real Redis layers."""
    settings.CHANNEL_LAYERS = (
        IN_MEMORY_LAYER if request.param == "memory" else redis_layer(request.param)
    )
    yield request.param
    from channels.layers import channel_layers

    channel_layers.backends.clear()


@pytest.fixture
async def consumer_connections_closed():
    """Consumers query from the database thread (database_sync_to_async): close that thread's
    connection after the test, or the test database cannot be dropped at the end of the run."""
    yield
    from asgiref.sync import sync_to_async
    from django.db import connections

    await sync_to_async(connections.close_all)()


@pytest.fixture
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = IN_MEMORY_LAYER
    yield
    from channels.layers import channel_layers

    channel_layers.backends.clear()


@pytest.fixture
def graph(settings):
    """The Graph API WhatsApp replies go to (whatsapp.fake_graph): WhatsApp's tests use it, and
    the channel tests of support (tests/support/test_channel_*.py)."""
    from tests.whatsapp.conftest import TOKEN
    from whatsapp.fake_graph import FakeGraph

    fake = FakeGraph(token=TOKEN).start()
    settings.WHATSAPP_GRAPH_URL = fake.url
    yield fake
    fake.stop()


@pytest.fixture
def turkish_chat():
    """A Turkish-speaking visitor's conversation, on a team with a topic named in Turkish too."""
    from tests import factories

    order = factories.team(name="Orders")
    factories.topic(slug="order", team=order, name_en="Order", name_tr="Sipariş")
    contact, _token = factories.visitor(locale="tr-TR")
    return factories.conversation(contact=contact, body="Siparişim gelmedi")
