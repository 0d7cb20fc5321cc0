from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Chat")

    def ready(self):
        from . import listeners

        listeners.connect()
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import post_save

        from . import signals

        user_logged_out.connect(signals.signed_out, dispatch_uid="destek_console_signed_out")
        post_save.connect(
            signals.user_saved, sender=get_user_model(), dispatch_uid="destek_console_user_saved"
        )
