"""Celery tasks of WhatsApp: thin, they take ids and call one service."""

from celery import shared_task

from . import services

# The first wait before trying again a send Meta answered with a rate limit or a 5xx; it
# doubles with each try (the last try's failure is shown on the message).
BACKOFF_SECONDS = 10


@shared_task(bind=True, acks_late=True, max_retries=services.SEND_ATTEMPTS - 1)
def whatsapp_send(self, outbound_id: int):
    retries = self.request.retries
    final = retries >= services.SEND_ATTEMPTS - 1
    if services.outbound_send(outbound_id=outbound_id, final=final):
        return
    if self.request.is_eager:
        # No worker (`make run`): try again at once rather than hold the request waiting.
        whatsapp_send.apply(args=[outbound_id], retries=retries + 1)
        return
    # The countdown is the backoff between Graph API calls, not a wait for a commit.
    raise self.retry(countdown=BACKOFF_SECONDS * 2**retries)
