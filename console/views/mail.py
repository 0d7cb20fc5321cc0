"""The original of a received mail (the message shows its trimmed text)."""

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from emails import selectors as email_selectors

from .access import agent_required


@require_GET
@agent_required
def mail_original(request, inbound_id: int):
    """The mail as received (RFC 822), as plain text in the browser, never rendered as HTML."""
    inbound = email_selectors.inbound_email_get_for_agent(
        profile=request.agent, inbound_id=inbound_id
    )
    response = HttpResponse(bytes(inbound.original), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
