"""The inbound email endpoint (docs/operations.md "Inbound email") and the widget's
"leave your email" call. Thin views over emails.services."""

import hashlib
import hmac

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from chat.api import error_response, widget_endpoint
from support import edge, errors

from . import inbox, selectors, services

SIGNATURE_HEADER = "X-Destek-Signature"


def inbound_signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@csrf_exempt
@require_POST
def inbound_email(request):
    """`POST /integrations/inbound-email/` {from, to, subject, text, message_id}, signed with
    X-Destek-Signature: sha256=<HMAC-SHA256 of the body with INBOUND_EMAIL_SECRET>.

    201 {conversation, message} posted as the visitor; 200 the same email again; 400 bad
    JSON or empty reply; 403 bad signature, reply address or sender; 404 conversation gone.
    """
    try:
        secret = settings.INBOUND_EMAIL_SECRET
        given = request.headers.get(SIGNATURE_HEADER, "")
        if not secret or not hmac.compare_digest(given, inbound_signature(request.body, secret)):
            raise errors.Forbidden("Missing or wrong signature.", code="invalid_signature")
        data = edge.json_load(request.body)
        if not isinstance(data, dict):
            raise errors.InvalidInput("The body must be a JSON object.", code="invalid_json")
        message_id = data.get("message_id")
        result = services.inbound_email_receive(
            sender=data.get("from"),
            recipients=data.get("to"),
            text=data.get("text"),
            message_id=message_id if isinstance(message_id, str) else None,
        )
    except errors.DomainError as error:
        return error_response(error)
    return JsonResponse(
        {"conversation": result.conversation_id, "message": result.message_id},
        status=201 if result.created else 200,
    )


@widget_endpoint(methods=["POST"])
def contact_email(request):
    """`POST /api/widget/v1/contact/email` {email, transcript}: the visitor's address for
    replies while they are away (and the transcript at resolve when `transcript` is true)."""
    preference = services.contact_email_leave(
        contact=request.contact,
        email=request.json.get("email"),
        transcript=request.json.get("transcript", False),
    )
    return JsonResponse(
        {"email": request.contact.email, "transcript": preference.transcript_requested}
    )


MAILBOX_SECRET_HEADER = "X-Destek-Mailbox-Secret"  # noqa: S105 - a header name


@csrf_exempt
@require_POST
def mailbox_inbound(request, support_address_id: int):
    """`POST /integrations/mailbox/<id>/`: one raw RFC 822 mail (the body, as received) for a
    support address, from a forwarding service (docs/channels.md), with the address's secret
    in X-Destek-Mailbox-Secret.

    202 {status: posted|duplicate|refused, refusal}: the mail was handled (a refused one is
    logged and recorded, and not retried); 403 unknown address or wrong secret.
    """
    address = selectors.support_address_for_webhook(
        support_address_id=support_address_id,
        secret=request.headers.get(MAILBOX_SECRET_HEADER, ""),
    )
    if address is None:
        return error_response(
            errors.Forbidden("Unknown address or wrong secret.", code="invalid_secret")
        )
    # Read from the stream, not request.body: a mail may exceed Django's in-memory request
    # limit; one past EMAIL_INBOUND_MAX_BYTES is refused (and logged) by mail_receive.
    raw = request.read(settings.DESTEK["EMAIL_INBOUND_MAX_BYTES"] + 1)
    result = inbox.mail_receive(support_address=address, raw=raw)
    return JsonResponse(
        {
            "status": result.status,
            "refusal": result.refusal,
            "conversation": result.conversation_id,
            "message": result.message_id,
        },
        status=202,
    )
