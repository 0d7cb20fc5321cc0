from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The agent console: views, forms, templates and presenters over the support domain."""

    name = "console"
