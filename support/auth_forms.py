"""Sign-in with a lockout after repeated failures, for the console's login and the admin's."""

import math

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils.translation import ngettext

from . import edge, errors, services
from .http import client_ip


class LockoutMixin:
    """Refuses a username from an address after DESTEK["LOGIN_MAX_FAILURES"] failures in
    DESTEK["LOGIN_LOCKOUT_SECONDS"], even with the right password, until the window ends."""

    def _locked_error(self, seconds: int) -> forms.ValidationError:
        minutes = max(1, math.ceil(seconds / 60))
        return forms.ValidationError(
            ngettext(
                "Too many failed sign-ins. Try again in %(minutes)d minute.",
                "Too many failed sign-ins. Try again in %(minutes)d minutes.",
                minutes,
            ),
            code="locked",
            params={"minutes": minutes},
        )

    def clean(self):
        username = str(self.data.get("username", ""))
        try:
            edge.text_check(username)  # NUL cannot be looked up (PostgreSQL): no such user
        except errors.InvalidInput:
            raise self.get_invalid_login_error() from None
        address = client_ip(self.request) if self.request is not None else None
        remaining = services.login_lockout_remaining(username=username, ip_address=address)
        if remaining:
            raise self._locked_error(remaining)
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if services.login_failure_record(username=username, ip_address=address):
                raise self._locked_error(
                    services.login_lockout_remaining(username=username, ip_address=address)
                ) from None
            raise
        services.login_failures_clear(username=username, ip_address=address)
        return cleaned


class AdminLockoutAuthenticationForm(LockoutMixin, AdminAuthenticationForm):
    pass
