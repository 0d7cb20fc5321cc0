"""Celery tasks of the email fallback: thin, they take ids and call one service."""

from celery import shared_task

from . import imap, outbox, services


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def reply_email(conversation_id: int) -> int:
    """Agent replies the away visitor has not seen, in one email (batched by the countdown)."""
    return services.reply_email_send(conversation_id=conversation_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def transcript_email(conversation_id: int) -> bool:
    """The transcript the visitor asked for, at resolve."""
    return services.transcript_email_send(conversation_id=conversation_id)


# How often a reply is tried before it shows "not sent" with its Retry button, and the first
# wait between tries (it doubles each time).
SEND_ATTEMPTS = 6
RETRY_BACKOFF_SECONDS = 30


@shared_task(bind=True, acks_late=True, max_retries=SEND_ATTEMPTS - 1)
def outbound_email(self, outbound_id: int) -> bool:
    """One reply of an e-mail conversation (emails.outbox); failures are recorded, retried."""
    retries = self.request.retries
    try:
        return outbox.outbound_email_send(
            outbound_id=outbound_id, final=retries >= SEND_ATTEMPTS - 1
        )
    except OSError as error:
        if self.request.is_eager:
            # No worker (`make run`): try again at once rather than hold the request waiting.
            return outbound_email.apply(args=[outbound_id], retries=retries + 1).result is True
        # The countdown is the backoff between SMTP attempts, not a wait for a commit.
        raise self.retry(exc=error, countdown=RETRY_BACKOFF_SECONDS * 2**retries) from error


@shared_task
def mailbox_poll_all() -> int:
    """Beat: a poll task per support address read over IMAP."""
    ids = imap.mailbox_ids_to_poll()
    for support_address_id in ids:
        mailbox_poll.delay(support_address_id)
    return len(ids)


@shared_task(acks_late=True)
def mailbox_poll(support_address_id: int) -> int:
    """New mails of one support address; a mailbox that cannot be read is recorded on the
    address (imap_error) and polled again at the next beat."""
    try:
        return imap.mailbox_poll(support_address_id=support_address_id).fetched
    except imap.MailboxError:
        return 0
