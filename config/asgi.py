"""ASGI entry point: HTTP through Django, websockets through Channels' routing."""

import gc
import os

from django.core.asgi import get_asgi_application

from config.startup import refuse_without_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()
refuse_without_secret_key()

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from .routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Origins are checked in the consumers: per widget for visitors (native apps send
        # none), this site's own for the console (console.consumers.console_origin_is_allowed).
        "websocket": websocket_application,
    }
)

if settings.DEBUG:
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    application.application_mapping["http"] = ASGIStaticFilesHandler(django_asgi_app)

    from support import scheduler

    from .celery import IN_PROCESS_SCHEDULE
    from .celery import app as celery_app

    if scheduler.in_process_sweeps_enabled():
        # No broker (`make run`): the periodic sweeps run in this server (support/scheduler.py).
        router = application

        async def application(scope, receive, send):
            scheduler.ensure_started(celery_app, IN_PROCESS_SCHEDULE)
            return await router(scope, receive, send)


# Everything imported so far (Django, the apps, templates' modules) lives as long as the
# process: moving it out of the collector's generations makes each full collection cheaper,
# which shortens the pauses that show up as latency tails with thousands of sockets.
gc.collect()
gc.freeze()
