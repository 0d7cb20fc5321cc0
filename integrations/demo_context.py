"""The demo shop's context-card endpoint (`make run`): what a host app's server does.

It checks the request as docs/integrations.md asks every host to (the signature over the raw
body with the widget's secret, a timestamp within five minutes), then answers with the demo
customer's café orders. Like a real host it knows its widget's secret from its own settings:
here the demo widget's public one (support/demo.py). Served only with DESTEK_DEMO=1.

Async: it reads no database, so it answers on the event loop, from the same process as the
console view that calls it (`make run` serves both).
"""

import json
import time
from datetime import timedelta

from django.conf import settings
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from support.demo import DEMO_USER, DEMO_WIDGET_KEY, DEMO_WIDGET_SECRET

from .context_cards import context_signature_is_valid

# The shop's own words, in the language the agent's console asked for (Accept-Language), as
# a shop would answer: its data, not Destek's texts.
WORDS = {
    "en": {
        "orders": "Recent orders",
        "account": "Account",
        "on_the_way": "On the way",
        "delivered": "Delivered",
        "refunded": "Refunded",
        "branch": "Branch",
        "loyalty": "Loyalty",
        "loyalty_value": "Gold · 7 of 10 stamps",
        "payment": "Payment",
        "payment_value": "Card •••• 4242, last payment succeeded",
        "profile": "Profile",
        "profile_value": "Open in the shop's admin",
    },
    "tr": {
        "orders": "Son siparişler",
        "account": "Hesap",
        "on_the_way": "Yolda",
        "delivered": "Teslim edildi",
        "refunded": "İade edildi",
        "branch": "Şube",
        "loyalty": "Sadakat",
        "loyalty_value": "Altın · 10 damgadan 7'si",
        "payment": "Ödeme",
        "payment_value": "Kart •••• 4242, son ödeme başarılı",
        "profile": "Profil",
        "profile_value": "Mağaza panelinde aç",
    },
}


def demo_orders(*, now, words: dict) -> list[dict]:
    """The demo customer's recent orders, newest first (TRY, as the café in Istanbul)."""
    shop = settings.SITE_URL + reverse("demo")

    def order(number, status, total, minutes_ago, items):
        return {
            "number": number,
            "status": words[status],
            "total": total,
            "currency": "TRY",
            "date": (now - timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z"),
            "url": f"{shop}?order={number}",
            "items": [{"name": name, "quantity": quantity} for name, quantity in items],
        }

    return [
        order(
            "1042",
            "on_the_way",
            "185.00",
            50,
            [("Simit", 2), ("Türk kahvesi", 1), ("San Sebastian cheesecake", 1)],
        ),
        order("1037", "delivered", "96.50", 26 * 60, [("Latte", 1), ("Peynirli poğaça", 1)]),
        order("1021", "refunded", "64.00", 5 * 24 * 60, [("Çay", 2), ("Açma", 1)]),
    ]


def demo_context_answer(*, external_id: str, now, language: str = "en") -> dict:
    if external_id != DEMO_USER["external_id"]:
        return {"cards": []}
    words = WORDS["tr" if language.lower().startswith("tr") else "en"]
    return {
        "cards": [
            {
                "type": "orders",
                "title": words["orders"],
                "orders": demo_orders(now=now, words=words),
            },
            {
                "type": "fields",
                "title": words["account"],
                "fields": [
                    {"label": words["branch"], "value": "Moda, Kadıköy"},
                    {"label": words["loyalty"], "value": words["loyalty_value"]},
                    {"label": words["payment"], "value": words["payment_value"]},
                    {
                        "label": words["profile"],
                        "value": words["profile_value"],
                        "url": settings.SITE_URL + reverse("demo") + "?customer=42",
                    },
                ],
            },
        ]
    }


def _refusal(reason: str) -> JsonResponse:
    return JsonResponse({"error": reason}, status=401)


@csrf_exempt
@require_POST
async def demo_context_cards(request):
    if not settings.DESTEK["DEMO"]:
        raise Http404("The demo is switched off.")
    body = request.body
    if not context_signature_is_valid(
        secret=DEMO_WIDGET_SECRET,
        timestamp=request.headers.get("X-Destek-Timestamp"),
        body=body,
        header=request.headers.get("X-Destek-Signature"),
        now=time.time(),
    ):
        # A stale timestamp (a replayed request) or a signature made with another secret.
        return _refusal("bad or stale signature")
    try:
        data = json.loads(body)
    except ValueError:
        return JsonResponse({"error": "not JSON"}, status=400)
    if not isinstance(data, dict) or data.get("widget") != DEMO_WIDGET_KEY:
        return JsonResponse({"cards": []})
    return JsonResponse(
        demo_context_answer(
            external_id=str(data.get("external_id", "")),
            now=timezone.now(),
            language=request.headers.get("Accept-Language", ""),
        )
    )
