"""Celery tasks of the integrations: thin, they take ids and call one service."""

from celery import shared_task

from . import services


@shared_task(bind=True, acks_late=True, max_retries=None)
def webhook_deliver(self, delivery_id: int):
    """One attempt; on failure retry later with exponential backoff (the countdown is the
    backoff between HTTP attempts, not a wait for a commit: the row exists before this runs).
    The number of attempts is the service's rule (WEBHOOK_MAX_ATTEMPTS), not Celery's."""
    retry_in = services.webhook_delivery_attempt(delivery_id=delivery_id)
    if retry_in is None:
        return
    if self.request.is_eager:
        # Eager Celery (`make run`, tests) re-runs a returned Retry at once, while a raised one
        # would propagate (CELERY_TASK_EAGER_PROPAGATES): no worker, no waiting.
        return self.retry(countdown=retry_in, throw=False)
    raise self.retry(countdown=retry_in)
