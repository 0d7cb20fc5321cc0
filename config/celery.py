"""The Celery app and its beat schedule. Without a broker (`make run`) tasks run eagerly
in-process and `support.scheduler` runs the periodic sweeps inside the ASGI server."""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import beat_init, worker_init
from django.core.exceptions import ImproperlyConfigured

from config.startup import refuse_without_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("destek")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _refuse_without_secret_key(**kwargs):
    # Celery logs and swallows a signal handler's exception: only SystemExit stops the start.
    try:
        refuse_without_secret_key()
    except ImproperlyConfigured as error:
        raise SystemExit(str(error)) from None


# Periodic sweeps (`celery -A config worker -B`, or `celery -A config beat` once per site).
# Every sweep is idempotent, so an overlap or a redelivery is harmless. Numbers are seconds.
app.conf.beat_schedule = {
    "sla-sweep": {"task": "support.tasks.sla_sweep", "schedule": 30.0},
    "snooze-sweep": {"task": "support.tasks.snooze_sweep", "schedule": 30.0},
    "inactivity-sweep": {"task": "support.tasks.inactivity_sweep", "schedule": 300.0},
    "requeue-offline-agents": {"task": "support.tasks.requeue_offline_agents", "schedule": 60.0},
    # Support addresses read over IMAP (emails app): each polled by a task of its own.
    "mailbox-poll": {"task": "emails.tasks.mailbox_poll_all", "schedule": 60.0},
    # Nightly at 03:30 (CELERY_TIMEZONE): delete what is past the retention policy.
    "retention-sweep": {
        "task": "support.tasks.retention_sweep",
        "schedule": crontab(hour=3, minute=30),
    },
}

# Without a broker only (`make run`): support/scheduler.py runs these too, off Django's sync
# thread. With a worker each webhook delivery is a task of its own (integrations/tasks.py);
# without one, this sweep sends them, so no attempt runs inside a request.
IN_PROCESS_SCHEDULE = {
    "webhook-sweep": {"task": "integrations.tasks.webhook_sweep", "schedule": 2.0},
}
