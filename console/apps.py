from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The agent console: views, forms, templates and presenters over the support domain, and
    its live socket (consumers, realtime fragments, listeners)."""

    name = "console"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import post_save

        from . import listeners, signals

        listeners.connect()
        user_logged_out.connect(signals.signed_out, dispatch_uid="destek_console_signed_out")
        post_save.connect(
            signals.user_saved, sender=get_user_model(), dispatch_uid="destek_console_user_saved"
        )
