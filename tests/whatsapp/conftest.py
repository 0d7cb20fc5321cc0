import hashlib
import hmac
import json
from itertools import count
from pathlib import Path

import pytest
from django.test import Client

from support.models import Conversation
from tests import factories
from whatsapp import services
from whatsapp.models import Channel, Template, Thread

PAYLOADS = Path(__file__).parent / "payloads"
APP_SECRET = "test-app-secret"
TOKEN = "test-access-token"
_wamids = count(1)


def payload(name: str, *, phone_number_id: str = "106540352242922", wamid: str = "") -> dict:
    """One of Meta's documented sample payloads (payloads/*.json), for our number."""
    text = (PAYLOADS / f"{name}.json").read_text()
    text = text.replace("PHONE_NUMBER_ID", phone_number_id)
    text = text.replace(
        "WAMID",
        wamid or f"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA{next(_wamids)}",
    )
    return json.loads(text)


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(client, data, *, secret: str = APP_SECRET, signature: str | None = None):
    """POST to the webhook as Meta does: the raw JSON body, signed with the app secret."""
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    headers = {}
    if signature is None:
        headers["HTTP_X_HUB_SIGNATURE_256"] = sign(body, secret)
    elif signature:
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature
    return client.post("/whatsapp/webhook/", body, content_type="application/json", **headers)


def customer_writes(number: Channel, body: str, *, wa_id: str) -> Conversation:
    """A customer's text to our number, through the webhook; the conversation it lands in."""
    data = payload("text", phone_number_id=number.phone_number_id)
    value = data["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = value["messages"][0]["from"] = wa_id
    value["messages"][0]["text"]["body"] = body
    response = post(Client(), data)
    assert response.status_code == 200, response.content
    return Thread.objects.get(channel=number, wa_id=wa_id).conversation


@pytest.fixture
def channel(db):
    team = factories.team(name="WhatsApp desk")
    number = Channel(
        name="Shop",
        widget=factories.widget(),
        team=team,
        phone_number_id="106540352242922",
        display_phone_number="+1 555 078 3881",
        verify_token="verify-me",
    )
    services.channel_save_secrets(channel=number, access_token=TOKEN, app_secret=APP_SECRET)
    number.save()
    Template.objects.create(
        channel=number,
        name="order_update",
        language="en",
        body="Hello {{1}}, your order {{2}} has news. Reply to continue.",
    )
    return number
