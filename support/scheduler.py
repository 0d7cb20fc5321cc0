"""A light stand-in for celery beat when there is no broker (`make run`).

`config.asgi` starts `run_sweeps` as an asyncio task in the server's event loop when DEBUG is
on and tasks run eagerly (no REDIS_URL). It runs the tasks of the beat schedule
(`config.celery`) on the same intervals, each in Django's sync thread as a view would run, so
their realtime events reach sockets through the in-memory channel layer. With a broker, run
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


def _run_task(name: str) -> None:
    from config.celery import app

    close_old_connections()
    try:
        # Tasks register when their module is imported (a worker autodiscovers them).
        importlib.import_module(name.rpartition(".")[0])
        app.tasks[name].apply(throw=True)
    except Exception:
        logger.exception("In-process sweep %s failed", name)
    finally:
        close_old_connections()


def beat_schedule() -> dict[str, float]:
    """The interval entries of config/celery.py's beat schedule as {task name: seconds}.

    Calendar entries (crontab, e.g. the nightly retention sweep) are not run in-process:
    run `manage.py purge_expired` by hand, or a real beat.
    """
    from config.celery import app

    entries = app.conf.beat_schedule.values()
    return {
        entry["task"]: float(entry["schedule"])
        for entry in entries
        if isinstance(entry["schedule"], int | float)
    }


async def run_sweeps(*, tick: float = 1.0) -> None:
    """Run each scheduled task every `schedule` seconds, first after one interval."""
    schedule = beat_schedule()
    due = {name: time.monotonic() + every for name, every in schedule.items()}
    while True:
        await asyncio.sleep(tick)
        for name, every in schedule.items():
            if time.monotonic() >= due[name]:
                due[name] = time.monotonic() + every
                await sync_to_async(_run_task)(name)


def ensure_started() -> None:
    """Start the sweeps once, in the running event loop (called on the first connection)."""
    global _started
    if _started:
        return
    _started = True
    if in_process_sweeps_enabled():
        logger.info("Running periodic sweeps in-process (no broker)")
        asyncio.get_running_loop().create_task(run_sweeps())
