"""Celery tasks of WhatsApp: thin, they take ids and call one service."""

from celery import shared_task

from . import services

# The first wait before trying again a send Meta answered with a rate limit or a 5xx; it
# doubles with each try (the last try's failure is shown on the message).
BACKOFF_SECONDS = 10


@shared_task(bind=True, acks_late=True, max_retries=services.SEND_ATTEMPTS - 1)
def whatsapp_send(self, outbound_id: int):
    final = self.request.retries >= services.SEND_ATTEMPTS - 1
    if not services.outbound_send(outbound_id=outbound_id, final=final):
        # The countdown is the backoff between Graph API calls, not a wait for a commit.
        raise self.retry(countdown=BACKOFF_SECONDS * 2**self.request.retries)
