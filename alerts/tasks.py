"""Celery tasks of the agent alerts: thin, they take ids and call one service."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def push_alert(kind: str, conversation_id: int, user_ids: list[int], note_id: int | None = None):
    return services.push_alert_send(
        kind=kind, conversation_id=conversation_id, user_ids=user_ids, note_id=note_id
    )


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def waiting_email(conversation_id: int) -> int:
    return services.waiting_email_send(conversation_id=conversation_id)
