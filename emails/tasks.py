"""Celery tasks of the email fallback: thin, they take ids and call one service."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def reply_email(conversation_id: int) -> int:
    """Agent replies the away visitor has not seen, in one email (batched by the countdown)."""
    return services.reply_email_send(conversation_id=conversation_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def transcript_email(conversation_id: int) -> bool:
    """The transcript the visitor asked for, at resolve."""
    return services.transcript_email_send(conversation_id=conversation_id)
