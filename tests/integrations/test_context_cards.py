"""Context cards (integrations/context_cards.py): the signature, the answer's schema, and the
call against real local servers: slow, broken, oversized, redirecting, and private ones."""

import json
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from integrations import context_cards
from integrations.context_cards import (
    MAX_ANSWER_BYTES,
    AnswerInvalid,
    CardSource,
    context_answer_parse,
    context_cards_fetch,
    context_cards_get,
    context_request,
    context_signature,
    context_signature_is_valid,
)
from tests.integrations.context_host import ANSWER, SECRET, HostServer


@pytest.fixture
def host():
    server = HostServer()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def source(url, external_id="user-42") -> CardSource:
    return CardSource(
        url=url, secret=SECRET, widget_key="shop", external_id=external_id, conversation_id=7
    )


def fetch(url, **kwargs):
    return context_cards_fetch(source=source(url), **kwargs)


# Signing ----------------------------------------------------------------------------------


def test_the_request_is_signed_over_timestamp_and_raw_body():
    body, headers = context_request(
        secret=SECRET, widget_key="shop", external_id="user-42", conversation_id=7, now=1764107400
    )
    assert json.loads(body) == {"external_id": "user-42", "widget": "shop", "conversation_id": 7}
    assert headers["X-Destek-Timestamp"] == "1764107400"
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), b"1764107400." + body, hashlib.sha256).hexdigest()
    assert headers["X-Destek-Signature"] == f"sha256={expected}"
    assert context_signature_is_valid(
        secret=SECRET,
        timestamp="1764107400",
        body=body,
        header=headers["X-Destek-Signature"],
        now=1764107400 + 299,
    )


def test_a_replayed_tampered_or_foreign_request_is_refused():
    signed = context_signature(secret=SECRET, timestamp=1000, body=b"{}")
    ok = {"secret": SECRET, "timestamp": "1000", "body": b"{}", "header": signed}
    assert context_signature_is_valid(**ok, now=1000)
    # Older (a replay) or newer (a wrong clock) than the window.
    assert not context_signature_is_valid(**ok, now=1000 + 301)
    assert not context_signature_is_valid(**ok, now=1000 - 301)
    assert not context_signature_is_valid(**{**ok, "body": b'{"x":1}'}, now=1000)
    assert not context_signature_is_valid(**{**ok, "secret": "another"}, now=1000)
    assert not context_signature_is_valid(**{**ok, "timestamp": "1001"}, now=1000)
    assert not context_signature_is_valid(**{**ok, "timestamp": "soon"}, now=1000)
    assert not context_signature_is_valid(**{**ok, "header": None}, now=1000)


# The answer -------------------------------------------------------------------------------


def test_a_good_answer_is_typed():
    orders, fields = context_answer_parse(json.dumps(ANSWER).encode())
    order = orders["orders"][0]
    assert order["number"] == "1042" and order["reference"] == "#1042"
    assert order["total"] == Decimal("185.00") and order["currency"] == "TRY"
    assert order["date"] == datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert order["items"] == [{"name": "Simit", "quantity": 2}]
    assert fields == {
        "type": "fields",
        "title": "Account",
        "fields": [{"label": "Plan", "value": "Gold", "url": ""}],
    }


def test_unknown_cards_and_bad_values_are_dropped_and_strings_capped():
    answer = {
        "cards": [
            {"type": "html", "html": "<b>hi</b>"},
            "not a card",
            {
                "type": "orders",
                "orders": [
                    {"status": "no number: skipped"},
                    {
                        "number": 1043,
                        "status": "x" * 500,
                        "total": "12,50",
                        "currency": "lira",
                        "date": "yesterday",
                        "url": "javascript:alert(1)",
                        "items": [{"name": "<script>alert(1)</script>", "quantity": -1}, 5],
                    },
                ],
            },
            {"type": "fields", "fields": [{"label": "Bio", "value": "y" * 2000, "url": "ftp://x"}]},
        ]
    }
    orders, fields = context_answer_parse(json.dumps(answer).encode())
    (order,) = orders["orders"]
    assert order["number"] == "1043"
    assert len(order["status"]) == context_cards.MAX_SHORT and order["status"].endswith("…")
    assert order["total"] is None and order["currency"] == ""
    assert order["date"] is None and order["url"] == ""
    # Kept as text: the template escapes it.
    assert order["items"] == [{"name": "<script>alert(1)</script>", "quantity": None}]
    assert len(fields["fields"][0]["value"]) == context_cards.MAX_VALUE
    assert fields["fields"][0]["url"] == ""


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"<html>nope</html>", "not valid JSON"),
        (b'{"cards": [NaN]}', "not valid JSON"),
        (b'{"orders": []}', "no “cards” list"),
        (b"[]", "no “cards” list"),
        (b" " * (MAX_ANSWER_BYTES + 1), "larger than 64 KB"),
    ],
)
def test_what_is_not_an_answer_says_why(raw, reason):
    with pytest.raises(AnswerInvalid, match=reason):
        context_answer_parse(raw)


# The call ---------------------------------------------------------------------------------


def test_the_host_gets_a_signed_request_and_its_cards_come_back(host):
    result = fetch(host.url)
    assert result.error == ""
    assert [card["type"] for card in result.cards] == ["orders", "fields"]
    (request,) = host.requests
    assert request["valid"]
    assert json.loads(request["body"]) == {
        "external_id": "user-42",
        "widget": "shop",
        "conversation_id": 7,
    }


def test_a_slow_host_is_cut_off_at_two_seconds(host):
    host.delay = 4
    started = time.monotonic()
    result = fetch(host.url)
    elapsed = time.monotonic() - started
    assert result.cards == []
    assert result.error == "The host did not answer within 2 s."
    assert 1.9 <= elapsed < 3


def test_bad_json_an_error_status_and_an_oversized_answer_are_reasons(host):
    host.body = b"<html>Maintenance</html>"
    assert fetch(host.url).error == "The answer is not valid JSON."
    host.status, host.body = 500, b"{}"
    assert fetch(host.url).error == "The host answered HTTP 500."
    host.status = 200
    host.body = json.dumps({"cards": [], "padding": "x" * MAX_ANSWER_BYTES}).encode()
    assert fetch(host.url).error == "The answer is larger than 64 KB."


def test_a_redirect_is_not_followed(host):
    target = HostServer()
    try:
        host.status, host.headers = 302, {"Location": target.url}
        result = fetch(host.url)
    finally:
        target.close()
    assert (
        result.error == "The host answered with a redirect (HTTP 302); redirects are not followed."
    )
    assert target.requests == []


def test_private_addresses_are_refused_in_production(host, settings):
    # tests/settings.py keeps production's default; the integrations tests switch it on.
    settings.DESTEK = {**settings.DESTEK, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": False}
    assert settings.DEBUG is False
    for url in (host.url, host.url.replace("127.0.0.1", "[::ffff:127.0.0.1]")):
        result = fetch(url)
        assert "resolves to a private or local address" in result.error
    assert host.requests == []


def test_an_unreachable_host_is_a_reason(host):
    url = host.url
    host.close()
    assert fetch(url).error.startswith("The host could not be reached (")


def test_answers_are_kept_briefly_per_widget_and_external_id(host):
    def get(external_id="user-42", **kwargs):
        return context_cards_get(source=source(host.url, external_id), **kwargs)

    assert get().cards and get().cards
    assert len(host.requests) == 1
    get(external_id="user-43")
    assert len(host.requests) == 2
    assert get(refresh=True).cards
    assert len(host.requests) == 3
    # A failure is kept too (a host that is down is not asked on every page), more briefly.
    host.status = 503
    assert get(external_id="user-44").error == "The host answered HTTP 503."
    assert get(external_id="user-44").error == "The host answered HTTP 503."
    assert len(host.requests) == 4
    assert context_cards.FAILURE_CACHE_SECONDS < context_cards.CACHE_SECONDS


def test_the_agents_language_is_offered_and_kept_apart(host):
    def get(language):
        return context_cards_get(source=source(host.url), language=language)

    get("tr")
    get("tr")
    get("en")
    assert [request["language"] for request in host.requests] == ["tr", "en"]
    fetch(host.url)
    assert host.requests[-1]["language"] is None  # no language, no header
