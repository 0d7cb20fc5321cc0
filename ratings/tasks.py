"""Celery tasks of ratings: thin, they take ids and call one service."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def rating_prompt(conversation_id: int) -> bool:
    """The "How did we do?" prompt after an agent resolves (once per conversation)."""
    return services.rating_prompt_send(conversation_id=conversation_id)
