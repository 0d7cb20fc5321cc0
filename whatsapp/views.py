"""The Cloud API's webhook (Meta calls it) and the console's template send."""

import json
import logging

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from console.views.access import agent_required
from console.views.conversations import composer_error
from support import errors, selectors

from . import services

logger = logging.getLogger("destek.whatsapp")


@csrf_exempt
def webhook(request):
    if request.method == "GET":
        return _verify(request)
    if request.method != "POST":
        return HttpResponse(status=405)
    signature = request.headers.get("X-Hub-Signature-256", "")
    if not signature:
        # Not from Meta: refused before the body is even read.
        logger.warning("WhatsApp webhook without a signature refused")
        return JsonResponse({"error": "forbidden"}, status=403)
    body = request.body
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "malformed"}, status=400)
    try:
        counts = services.webhook_receive(
            payload=payload,
            body=body,
            signature=signature,
        )
    except services.WebhookRefused as refusal:
        logger.warning("WhatsApp webhook refused: %s", refusal)
        return JsonResponse({"error": "forbidden"}, status=403)
    except errors.DomainError as error:
        logger.warning("WhatsApp webhook malformed: %s", error.detail)
        return JsonResponse({"error": "malformed", "detail": error.detail}, status=400)
    return JsonResponse(counts)


def _verify(request):
    """Meta's subscription handshake: echo hub.challenge when the verify token is ours."""
    if services.verify_token_known(
        mode=request.GET.get("hub.mode", ""), token=request.GET.get("hub.verify_token", "")
    ):
        return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
    return HttpResponse(status=403)


@require_POST
@agent_required
def template_send(request, conversation_id: int):
    # Who may not see the conversation gets the console's not-found page, and learns nothing.
    selectors.conversation_get_for_agent(profile=request.agent, conversation_id=conversation_id)
    try:
        services.template_send(
            conversation_id=conversation_id,
            agent=request.user,
            profile=request.agent,
            template_id=request.POST.get("template", ""),
            parameters=request.POST.getlist("parameter"),
        )
    except errors.NotFound:
        raise
    except errors.DomainError as error:
        return composer_error(request, error, status=None if request.htmx else 400)
    return HttpResponse(status=204)
