"""JSON errors of /api/v1/ in the widget protocol's shape: {"error": {"code", "detail"}}
(plus "fields" for invalid input), with the fitting HTTP status. Separate from api_auth:
DRF imports the authentication classes while rest_framework.views is still loading."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from support import errors

CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "token_invalid",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
    exceptions.ParseError: "invalid_json",
    exceptions.ValidationError: "invalid_input",
}


def _body(code: str, detail: str, fields=None) -> dict:
    error = {"code": code, "detail": detail}
    if fields:
        error["fields"] = fields
    return {"error": error}


def exception_handler(exc, context):
    """Domain errors and DRF's own, all as {"error": {"code", "detail"}}."""
    if isinstance(exc, errors.DomainError):
        return Response(_body(exc.code, exc.detail), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else None
        return Response(_body("invalid_input", " ".join(exc.messages), fields), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = next((c for kind, c in CODES.items() if isinstance(exc, kind)), "error")
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = _body(code, _("Some fields are invalid."), fields)
    else:
        response.data = _body(code, str(exc.detail))
    return response
