"""Celery tasks of the helpdesk domain: thin wrappers over services in automation.

Each is idempotent by database guards, so a late ack (redelivery after a worker crash) or two
beats overlapping change nothing twice. The schedule is in config/celery.py.
"""

from celery import shared_task

from . import automation
from .services import snooze


@shared_task(acks_late=True)
def after_hours_reply(conversation_id: int, message_id: int) -> bool:
    """The out-of-hours auto-reply to a visitor message (once per closed period)."""
    return automation.after_hours_reply_send(conversation_id=conversation_id, message_id=message_id)


@shared_task(acks_late=True, ignore_result=True)
def sla_sweep() -> None:
    automation.sla_sweep()


@shared_task(acks_late=True, ignore_result=True)
def inactivity_sweep() -> None:
    automation.inactivity_sweep()


@shared_task(acks_late=True, ignore_result=True)
def snooze_sweep() -> None:
    """Snoozed conversations whose time has come go back to the inbox."""
    snooze.snoozed_wake_due()


@shared_task(acks_late=True, ignore_result=True)
def requeue_offline_agents() -> None:
    automation.offline_agents_requeue()


@shared_task(acks_late=True, ignore_result=True)
def retention_sweep() -> None:
    """Nightly: delete what is past the retention policy (support.retention), and rate-limit
    counters long out of their window."""
    from . import ratelimits, retention

    retention.retention_purge()
    ratelimits.rate_limit_buckets_purge()
