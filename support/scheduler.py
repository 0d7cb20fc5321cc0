"""A light stand-in for celery beat when there is no broker (`make run`).

`config.asgi` starts the sweeps as an asyncio task in the server's event loop when DEBUG is
on and tasks run eagerly (no REDIS_URL), handing over the Celery app and the schedule of
background tasks (config/celery.py): config is the root, so this module never imports it. The
interval tasks of the app's beat schedule run on their intervals, each in Django's sync thread
as a view would run, so their realtime events reach sockets through the in-memory channel
layer; the background ones (the webhook sweep) in a thread of their own. With a broker, run
`celery -A config worker -B` instead (docs/operations.md, "Background jobs").
"""

import asyncio
import importlib
import logging
import os
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

_started = False


def in_process_sweeps_enabled() -> bool:
    if os.environ.get("DESTEK_IN_PROCESS_SWEEPS", "1") == "0":
        return False
    return bool(settings.DEBUG and settings.CELERY_TASK_ALWAYS_EAGER)


def _run_task(app, name: str) -> None:
    close_old_connections()
    try:
        # Tasks register when their module is imported (a worker autodiscovers them).
        importlib.import_module(name.rpartition(".")[0])
        app.tasks[name].apply(throw=True)
    except Exception:
        logger.exception("In-process sweep %s failed", name)
    finally:
        close_old_connections()


def interval_tasks(schedule: dict) -> dict[str, float]:
    """A Celery schedule's interval entries as {task name: seconds}.

    Calendar entries (crontab, e.g. the nightly retention sweep) are not run in-process:
    run `manage.py purge_expired` by hand, or a real beat.
    """
    return {
        entry["task"]: float(entry["schedule"])
        for entry in schedule.values()
        if isinstance(entry["schedule"], int | float)
    }


async def run_sweeps(app, background: dict, *, tick: float = 1.0) -> None:
    """Run each interval task of `app`'s beat schedule and of `background` (what a worker
    would get as tasks of their own) every `schedule` seconds, first after one interval.

    The beat's sweeps run one after another in Django's sync thread (their realtime events
    reach sockets through the in-memory layer). Background tasks (webhook deliveries, which
    may wait on a slow receiver up to its deadline) run in a thread of their own, each at
    most once at a time, so they hold up neither requests nor the sweeps."""
    schedule = interval_tasks(app.conf.beat_schedule)
    background = interval_tasks(background)
    every_task = {**schedule, **background}
    due = {name: time.monotonic() + every for name, every in every_task.items()}
    running: dict[str, asyncio.Future] = {}
    while True:
        await asyncio.sleep(tick)
        for name, every in every_task.items():
            if time.monotonic() < due[name]:
                continue
            if name in background:
                if name in running and not running[name].done():
                    continue  # the previous run is still sending
                due[name] = time.monotonic() + every
                run = sync_to_async(_run_task, thread_sensitive=False)(app, name)
                running[name] = asyncio.ensure_future(run)
            else:
                due[name] = time.monotonic() + every
                await sync_to_async(_run_task)(app, name)


def ensure_started(app, background: dict) -> None:
    """Start the sweeps once, in the running event loop (called on the first connection)."""
    global _started
    if _started:
        return
    _started = True
    if in_process_sweeps_enabled():
        logger.info("Running periodic sweeps in-process (no broker)")
        asyncio.get_running_loop().create_task(run_sweeps(app, background))
