"""Celery tasks of the chat domain: thin, they take ids and call one service."""

from celery import shared_task

from support import automation


@shared_task(acks_late=True)
def after_hours_reply(conversation_id: int, message_id: int) -> bool:
    """The out-of-hours auto-reply to a visitor message (once per closed period)."""
    return automation.after_hours_reply_send(conversation_id=conversation_id, message_id=message_id)


@shared_task(acks_late=True)
def rating_prompt(conversation_id: int) -> bool:
    """The "How did we do?" prompt after an agent resolves (once per conversation)."""
    from ratings import services as rating_services

    return rating_services.rating_prompt_send(conversation_id=conversation_id)
