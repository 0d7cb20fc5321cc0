from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    """The host app's side: API tokens, the REST API, webhooks and CRM exports."""

    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self):
        from . import listeners

        listeners.connect()
