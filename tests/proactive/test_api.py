"""The host page's API (config, trigger fire), the widget page's origin check and the
conversation a proactive reply starts, over HTTP."""

import json

import pytest

from proactive.models import TriggerDisplay
from support import selectors as support_selectors
from tests import factories

pytestmark = pytest.mark.django_db

SHOP = "https://shop.example"


def widget(**kwargs):
    return factories.widget(allowed_origins=[SHOP], **kwargs)


def get_config(client, key, *, origin=SHOP, lang="en"):
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    return client.get("/api/widget/v1/config", {"widget_key": key, "lang": lang}, **headers)


def post_fire(client, trigger, *, origin=SHOP, **body):
    payload = {"widget_key": trigger.widget.key, "visitor_id": "visitor-0001", **body}
    return client.post(
        f"/api/widget/v1/triggers/{trigger.pk}/fire",
        json.dumps(payload),
        content_type="text/plain",  # what the loader sends: no CORS preflight
        HTTP_ORIGIN=origin,
    )


def test_config_gives_an_allowed_origin_the_launcher_and_the_triggers(client):
    w = widget()
    w.launcher_position = "left"
    w.launcher_color = "#0f766e"
    w.launcher_text_en, w.launcher_text_tr = "Chat with us", "Bize yazın"
    w.greeting_tr = "Merhaba!"
    w.save()
    timed = factories.trigger(widget_obj=w, seconds_on_page=20, delay_seconds=5)
    event = factories.trigger(
        widget_obj=w, kind="event", event_name="cart_abandoned", url_pattern="/shop/*"
    )
    factories.trigger(widget_obj=w, is_active=False)

    response = get_config(client, w.key, lang="tr")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SHOP
    assert "max-age" in response["Cache-Control"]
    data = response.json()
    assert (data["position"], data["color"], data["text"], data["greeting"]) == (
        "left",
        "#0f766e",
        "Bize yazın",
        "Merhaba!",
    )
    assert len(data["labels"]) == 4
    assert data["triggers"] == [
        {"id": timed.pk, "on": "time_on_page", "url": "", "event": "", "wait": 25, "cap": 1},
        {
            "id": event.pk,
            "on": "event",
            "url": r"^/shop/.*$",
            "event": "cart_abandoned",
            "wait": 0,
            "cap": 1,
        },
    ]


def test_config_refuses_an_origin_the_widget_does_not_allow(client):
    w = widget()
    response = get_config(client, w.key, origin="https://evil.example")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "origin_not_allowed"
    # Readable, so the loader can say why in the host page's console.
    assert response["Access-Control-Allow-Origin"] == "https://evil.example"
    assert "evil.example" in response.json()["error"]["detail"]


def test_config_for_our_own_pages_and_server_side_clients(client):
    w = widget()
    assert get_config(client, w.key, origin="http://testserver").status_code == 200
    assert get_config(client, w.key, origin=None).status_code == 200
    assert get_config(client, "no-such-widget").status_code == 404


def test_fire_shows_once_then_is_capped(client):
    w = widget()
    trigger = factories.trigger(widget_obj=w, message_en="Hi!", message_tr="Merhaba!")
    first = post_fire(client, trigger, lang="tr", url=f"{SHOP}/cart")
    assert first.status_code == 200
    assert first["Access-Control-Allow-Origin"] == SHOP
    assert first.json()["message"] == "Merhaba!"
    assert first.json()["token"]
    again = post_fire(client, trigger)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "capped"
    assert TriggerDisplay.objects.count() == 1


def test_fire_refuses_a_bad_identity_a_foreign_origin_and_bad_json(client):
    w = widget()
    trigger = factories.trigger(widget_obj=w)
    bad = post_fire(client, trigger, identity={"external_id": "u1", "hash": "deadbeef"})
    assert bad.status_code == 403
    assert bad.json()["error"]["code"] == "identity_invalid"
    assert post_fire(client, trigger, origin="https://evil.example").status_code == 403
    garbage = client.post(
        f"/api/widget/v1/triggers/{trigger.pk}/fire",
        "{not json",
        content_type="text/plain",
        HTTP_ORIGIN=SHOP,
    )
    assert garbage.status_code == 400
    assert not TriggerDisplay.objects.exists()


def test_a_reply_with_the_token_starts_a_conversation_counted_as_a_conversion(client):
    w = widget()
    trigger = factories.trigger(widget_obj=w, message_en="Need help with the cart?")
    token = post_fire(client, trigger).json()["token"]
    session = client.post(
        "/api/widget/v1/session", {"widget_key": w.key}, content_type="application/json"
    ).json()
    response = client.post(
        "/api/widget/v1/conversations",
        {"body": "Yes please", "client_id": "c-1", "proactive": token},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {session['visitor_token']}",
    )
    assert response.status_code == 201
    conversation = response.json()
    assert conversation["messages"][0]["body"] == "Need help with the cart?"
    assert TriggerDisplay.objects.get().conversation_id == conversation["id"]


def test_the_widget_page_may_be_framed_only_by_the_origin_that_asked(client):
    w = widget()
    ok = client.get("/widget/", {"key": w.key, "origin": SHOP})
    assert ok.status_code == 200
    assert "frame-ancestors 'self' https://shop.example" in ok["Content-Security-Policy"]
    assert b'data-parent-origin="https://shop.example"' in ok.content

    for origin in ("https://evil.example", "javascript://testserver", f"{SHOP}/path", "null"):
        refused = client.get("/widget/", {"key": w.key, "origin": origin})
        assert refused.status_code == 403, origin
        assert "frame-ancestors 'none'" in refused["Content-Security-Policy"]
        assert b"data-parent-origin" not in refused.content


def test_app_mode_takes_the_widget_key_parameter(client):
    w = widget()
    response = client.get("/widget/", {"mode": "app", "widget_key": w.key})
    assert response.status_code == 200
    assert b'data-app-mode="1"' in response.content


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (SHOP, True),
        ("HTTPS://SHOP.EXAMPLE/", True),
        ("http://shop.example", False),  # another scheme is another origin
        ("https://shop.example.evil.test", False),
        ("https://testserver", True),  # our own host
        ("", False),
        ("null", False),
        ("https://shop.example; script-src *", False),
    ],
)
def test_origin_rule(origin, allowed):
    w = widget()
    assert (
        support_selectors.widget_origin_is_allowed(widget=w, origin=origin, host="testserver")
        is allowed
    )


def test_the_server_names_the_system_from_the_user_agent(client):
    w = widget()
    ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15"
    client.post(
        "/api/widget/v1/session",
        {"widget_key": w.key, "device": {"platform": "web", "user_agent": ua}},
        content_type="application/json",
    )
    device = w.contacts.get().device
    assert (device["os"], device["os_version"]) == ("iOS", "17.4")
