"""Signs-in that end close the live consoles they opened, at once and in every process."""

from django.db import transaction

from . import realtime


def signed_out(sender, request, user, **kwargs):
    if user is None:
        return
    session_key = request.session.session_key
    transaction.on_commit(
        lambda: realtime.console_sign_in_ended(user_id=user.pk, session_key=session_key),
        robust=True,
    )


def user_saved(sender, instance, created, update_fields=None, **kwargs):
    if created or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    transaction.on_commit(lambda: realtime.console_sign_in_ended(user_id=instance.pk), robust=True)
