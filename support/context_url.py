"""The address a widget's context cards are fetched from (integrations/context_cards.py).

A plain check of the address's form, kept apart from the models so that their migrations can
name it: HTTPS, or plain HTTP only where calls to private addresses are allowed (a local
receiver in development, as for webhooks). Where the host resolves to is checked again at
every call, since DNS may change after the address was saved.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def context_url_validate(value: str) -> None:
    parts = urlsplit(value or "")
    allowed = (
        ("https", "http") if settings.DESTEK["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] else ("https",)
    )
    if parts.scheme not in allowed or not parts.hostname:
        raise ValidationError(
            _("The context card URL must start with https:// and name a host."),
            code="invalid_context_url",
        )
    if parts.username or parts.password:
        raise ValidationError(
            _("The context card URL must not contain a user name or password."),
            code="invalid_context_url",
        )
