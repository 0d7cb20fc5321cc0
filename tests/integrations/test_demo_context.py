"""The demo shop's context-card endpoint (integrations/demo_context.py) checks requests as a
real host must, and seed_demo points the demo widget at it."""

import io
import json
import time

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from integrations.context_cards import context_answer_parse, context_request
from support.demo import DEMO_USER, DEMO_WIDGET_KEY, DEMO_WIDGET_SECRET
from support.models import Widget

pytestmark = pytest.mark.django_db
URL = "/demo/context-cards"


@pytest.fixture(autouse=True)
def _demo_on(settings):
    settings.DESTEK = {**settings.DESTEK, "DEMO": True}


def signed(*, external_id=DEMO_USER["external_id"], secret=DEMO_WIDGET_SECRET, now=None):
    body, headers = context_request(
        secret=secret,
        widget_key=DEMO_WIDGET_KEY,
        external_id=external_id,
        conversation_id=1,
        now=now or time.time(),
    )
    return body, {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}


def post(body, headers):
    return Client().post(URL, body, content_type="application/json", **headers)


def test_a_signed_request_gets_the_demo_customers_orders():
    assert reverse("demo_context_cards") == URL
    response = post(*signed())
    assert response.status_code == 200
    orders, account = context_answer_parse(response.content)
    assert [order["number"] for order in orders["orders"]] == ["1042", "1037", "1021"]
    assert {order["currency"] for order in orders["orders"]} == {"TRY"}
    assert orders["orders"][0]["items"][0] == {"name": "Simit", "quantity": 2}
    assert account["fields"][0] == {"label": "Branch", "value": "Moda, Kadıköy", "url": ""}


def test_a_replayed_request_is_refused():
    body, headers = signed(now=time.time() - 301)
    response = post(body, headers)
    assert response.status_code == 401
    assert json.loads(response.content) == {"error": "bad or stale signature"}


def test_a_request_signed_with_another_secret_or_altered_is_refused():
    assert post(*signed(secret="another-secret")).status_code == 401
    body, headers = signed()
    assert post(body.replace(b"demo-user-42", b"demo-user-43"), headers).status_code == 401
    assert post(body, {}).status_code == 401


def test_another_customer_has_no_cards():
    response = post(*signed(external_id="someone-else"))
    assert response.status_code == 200
    assert json.loads(response.content) == {"cards": []}


def test_without_the_demo_there_is_no_endpoint(settings):
    settings.DESTEK = {**settings.DESTEK, "DEMO": False}
    assert post(*signed()).status_code == 404


def test_seed_demo_points_the_demo_widget_at_it(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    call_command("seed_demo", stdout=io.StringIO())
    widget = Widget.objects.get(key=DEMO_WIDGET_KEY)
    assert widget.context_url == "http://127.0.0.1:8000/demo/context-cards"


def test_the_demo_shop_answers_in_the_agents_language():
    body, headers = signed()
    response = post(body, {**headers, "HTTP_ACCEPT_LANGUAGE": "tr"})
    orders, account = context_answer_parse(response.content)
    assert orders["title"] == "Son siparişler"
    assert [order["status"] for order in orders["orders"]] == [
        "Yolda",
        "Teslim edildi",
        "İade edildi",
    ]
    assert account["fields"][0]["label"] == "Şube"
