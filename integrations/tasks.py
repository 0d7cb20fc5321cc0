"""Celery tasks of the integrations: thin, they take ids and call one service."""

from celery import shared_task
from django.conf import settings
from django.db import transaction

from . import services


@shared_task(bind=True, acks_late=True, max_retries=None)
def webhook_deliver(self, delivery_id: int):
    """One attempt; on failure retry later with exponential backoff (the countdown is the
    backoff between HTTP attempts, not a wait for a commit: the row exists before this runs).
    The number of attempts is the service's rule (WEBHOOK_MAX_ATTEMPTS), not Celery's."""
    retry_in = services.webhook_delivery_attempt(delivery_id=delivery_id)
    if retry_in is None or self.request.is_eager:
        # Eager (no worker): the row keeps next_attempt_at and webhook_sweep sends it then.
        return
    raise self.retry(countdown=retry_in)


@shared_task
def webhook_sweep():
    """Without a broker (`make run`): send the pending deliveries that are due. It runs in
    the server's in-process scheduler (support/scheduler.py), never in a request."""
    services.webhook_deliveries_send_due()


def webhook_deliver_on_commit(delivery_ids: list[int]) -> None:
    """After the surrounding transaction commits, a task per delivery for the worker.

    Eager Celery would run every attempt, with its retries, inside the request that made
    the change (a visitor's message waited 80 s on a slow receiver): without a broker the
    rows wait for webhook_sweep instead, which sends them within seconds."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return

    def enqueue():
        for delivery_id in delivery_ids:
            webhook_deliver.delay(delivery_id)

    transaction.on_commit(enqueue, robust=True)
