"""How /api/v1/ knows its caller: API tokens, scopes and rate limits (errors: api_errors)."""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, permissions, throttling
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from . import selectors, services
from .models import ApiToken


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`; request.auth is the ApiToken, request.user stays None."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts:
            return None
        if parts[0].lower() != self.keyword or len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the API token as: Authorization: Bearer <token>.")
            )
        token = selectors.api_token_get_active(token=parts[1].decode("latin-1"))
        if token is None:
            raise exceptions.AuthenticationFailed(_("The API token is invalid or revoked."))
        services.api_token_touch(token=token)
        return (None, token)

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.api_auth.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API token (dtk_…)."}


class HasTokenScope(permissions.BasePermission):
    """Reads need any active token; writes need a token with the write scope."""

    message = _("This API token may only read (scope: read).")

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            raise exceptions.NotAuthenticated(_("An API token is required."))
        if request.method in permissions.SAFE_METHODS:
            return True
        return token.can_write


class ApiTokenThrottle(throttling.SimpleRateThrottle):
    scope = "api_token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
        return self.cache_format % {"scope": self.scope, "ident": f"token-{request.auth.pk}"}
