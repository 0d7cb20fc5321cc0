"""The WhatsApp demo (`make run`, DESTEK_DEMO=1): a number for the demo café whose Graph API
is this same server (async views, so a reply sent from a request or the console socket's
thread never waits on itself), and a page playing the customer's phone. Nothing leaves the
machine. Exists only with the demo switched on.
"""

import hashlib
import hmac
import json
import time
from collections import deque
from itertools import count

from django.conf import settings
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from support.demo import DEMO_WIDGET_KEY
from support.models import Team, Widget

from . import services
from .models import Channel, OutboundMessage, Template

# Public on purpose, like the demo widget's secret: the demo number is fake.
DEMO_PHONE_NUMBER_ID = "100000000000001"
DEMO_TOKEN = "demo-whatsapp-token"  # noqa: S105
DEMO_APP_SECRET = "demo-whatsapp-app-secret"  # noqa: S105
DEMO_CUSTOMER = ("905551112233", "Deniz Kaya")

# What the pretend Graph API received (this process only; the demo runs one).
RECEIVED: deque = deque(maxlen=50)
_ids = count(1)


def demo_channel_seed() -> Channel:
    widget = Widget.objects.get(key=DEMO_WIDGET_KEY)
    channel = Channel.objects.filter(phone_number_id=DEMO_PHONE_NUMBER_ID).first() or Channel(
        phone_number_id=DEMO_PHONE_NUMBER_ID
    )
    channel.name = "Lale Cafe WhatsApp"
    channel.widget = widget
    channel.team = Team.objects.filter(slug="general").first()
    channel.display_phone_number = "+90 555 000 00 01"
    channel.language = "tr"  # a Turkish café: its customers read Turkish
    channel.verify_token = "demo-verify"  # noqa: S105
    services.channel_save_secrets(
        channel=channel, access_token=DEMO_TOKEN, app_secret=DEMO_APP_SECRET
    )
    channel.save()
    Template.objects.update_or_create(
        channel=channel,
        name="order_update",
        language="tr",
        defaults={"body": "Merhaba {{1}}, {{2}} numaralı siparişinizle ilgili bir gelişme var."},
    )
    return channel


def _demo_only():
    if not settings.DESTEK["DEMO"]:
        raise Http404


def _graph_refusal(request) -> JsonResponse | None:
    """As the Graph API answers a call without the (demo) access token; None: go on."""
    _demo_only()
    if request.headers.get("Authorization") != f"Bearer {DEMO_TOKEN}":
        return JsonResponse(
            {"error": {"message": "Invalid OAuth access token", "code": 190}}, status=401
        )
    return None


@csrf_exempt
@require_POST
async def graph_messages(request, phone_number_id: str):
    if refusal := _graph_refusal(request):
        return refusal
    body = json.loads(request.body or b"{}")
    wamid = f"wamid.DEMO{next(_ids):06d}"
    RECEIVED.append({"wamid": wamid, "at": time.time(), **body})
    return JsonResponse({"messaging_product": "whatsapp", "messages": [{"id": wamid}]})


@csrf_exempt
@require_POST
async def graph_media(request, phone_number_id: str):
    if refusal := _graph_refusal(request):
        return refusal
    return JsonResponse({"id": f"demo-media-{next(_ids)}"})


def _deliver(value: dict) -> None:
    """Into the real webhook path, signed as Meta signs."""
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "demo",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "905550000001",
                                "phone_number_id": DEMO_PHONE_NUMBER_ID,
                            },
                            **value,
                        },
                    }
                ],
            }
        ],
    }
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(DEMO_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    services.webhook_receive(payload=payload, body=body, signature=signature)


@require_http_methods(["GET", "POST"])
def phone(request):
    """The customer's phone: write to the café on WhatsApp, read its replies, mark them read."""
    _demo_only()
    wa_id, name = DEMO_CUSTOMER
    if request.method == "POST":
        text = request.POST.get("text", "").strip()[:1000]
        if request.POST.get("action") == "read":
            sent = OutboundMessage.objects.exclude(wamid="").order_by("-id").first()
            if sent is not None:
                status = {"id": sent.wamid, "status": "read", "recipient_id": wa_id}
                _deliver({"statuses": [status]})
        elif text:
            message = {
                "from": wa_id,
                "id": f"wamid.DEMOIN{time.time_ns()}",
                "timestamp": str(int(time.time())),
                "type": "text",
                "text": {"body": text},
            }
            _deliver(
                {"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [message]}
            )
        return HttpResponseRedirect(reverse("whatsapp_demo_phone"))
    replies = [r for r in RECEIVED if r.get("to") == wa_id]
    return render(request, "whatsapp/demo_phone.html", {"replies": replies, "name": name})
