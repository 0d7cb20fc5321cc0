"""Context cards: the host app's facts about a contact (orders, account), fetched server-side.

When an agent opens a conversation of a verified contact whose widget names a `context_url`,
the console asks the host (docs/integrations.md, "Context cards"):

    POST <context_url>
    Content-Type: application/json
    X-Destek-Timestamp: 1764107400
    X-Destek-Signature: sha256=<hex>    hex(HMAC-SHA256(widget secret, f"{timestamp}.{body}"))

    {"external_id": "user-42", "widget": "<widget key>", "conversation_id": 123}

and shows the answer's typed cards ("orders", "fields"); anything else in it is dropped, every
string is length-capped and rendered escaped, links are http(s) only. The call goes through the
webhooks' SSRF-safe client (integrations.delivery_http: no redirects, one deadline over the
whole attempt) after the webhooks' address check; the answer is capped in size and kept
briefly in Django's cache per (widget, external id). Failures come back as a reason for the
agent, never as an exception.
"""

import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from support import edge, errors

from . import delivery_http, webhooks

SIGNATURE_PREFIX = "sha256="
REPLAY_WINDOW_SECONDS = 300
TIMEOUT_SECONDS = 2.0
MAX_ANSWER_BYTES = 64 * 1024
# A good answer is kept a minute (an agent moving between a contact's conversations asks
# once); a failure a few seconds, so a host that is down is not asked on every page.
CACHE_SECONDS = 60
FAILURE_CACHE_SECONDS = 10
CACHE_VERSION = 1

MAX_CARDS = 10
MAX_ORDERS = 10
MAX_ITEMS = 20
MAX_FIELDS = 20
MAX_TITLE = 80
MAX_SHORT = 40
MAX_NAME = 120
MAX_LABEL = 60
MAX_VALUE = 500
MAX_URL = 500
MAX_QUANTITY = 1_000_000
CARD_TYPES = ("orders", "fields")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
# Digits with an optional sign and decimals: "12.50", "-3", not "1e9" or "12,50".
_AMOUNT = re.compile(r"^-?\d{1,12}(\.\d{1,4})?$")


# Why a host's cards could not be shown, for the agent: translated when shown (a cached
# failure is read by agents of either language).
ERROR_TEXTS = {
    "refused": gettext_noop("%(detail)s"),
    "timeout": gettext_noop("The host did not answer within %(seconds)s s."),
    "unreachable": gettext_noop("The host could not be reached (%(error)s)."),
    "redirect": gettext_noop(
        "The host answered with a redirect (HTTP %(status)s); redirects are not followed."
    ),
    "status": gettext_noop("The host answered HTTP %(status)s."),
    "too_large": gettext_noop("The answer is larger than %(size)s KB."),
    "invalid_json": gettext_noop("The answer is not valid JSON."),
    "no_cards": gettext_noop("The answer has no “cards” list."),
}


class AnswerInvalid(Exception):
    """The host's answer cannot be shown at all; `code` says why (ERROR_TEXTS)."""

    def __init__(self, code: str, **params):
        super().__init__(_(ERROR_TEXTS[code]) % params)
        self.code, self.params = code, params


@dataclass(frozen=True)
class CardSource:
    """Whom to ask, about whom: the widget's context URL and secret, and the contact."""

    url: str
    secret: str
    widget_key: str
    external_id: str
    conversation_id: int


@dataclass
class ContextCards:
    """What the panel shows: the cards, or why there are none (`error`, for the agent)."""

    cards: list[dict] = field(default_factory=list)
    error_code: str = ""
    error_params: dict = field(default_factory=dict)

    @property
    def error(self) -> str:
        if not self.error_code:
            return ""
        return _(ERROR_TEXTS[self.error_code]) % self.error_params


# Signing ----------------------------------------------------------------------------------------


def context_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def context_signature_is_valid(
    *,
    secret: str,
    timestamp: str | None,
    body: bytes,
    header: str | None,
    now: float,
    window: int = REPLAY_WINDOW_SECONDS,
) -> bool:
    """What a host does with a request: the timestamp within `window` seconds of its clock
    and the signature recomputed over the raw body, compared in constant time."""
    try:
        stamp = int(timestamp or "")
    except ValueError:
        return False
    if abs(now - stamp) > window:
        return False
    expected = context_signature(secret=secret, timestamp=stamp, body=body)
    return hmac.compare_digest(expected.encode(), (header or "").encode())


def context_request(
    *,
    secret: str,
    widget_key: str,
    external_id: str,
    conversation_id: int,
    now: float,
    language: str = "",
) -> tuple[bytes, dict]:
    """The body and headers of one signed request; `language`, the agent's, lets the host
    answer in it (titles, statuses), as Accept-Language."""
    body = json.dumps(
        {"external_id": external_id, "widget": widget_key, "conversation_id": conversation_id},
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    timestamp = int(now)
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "User-Agent": "Destek-Context/1",
        "X-Destek-Timestamp": str(timestamp),
        "X-Destek-Signature": context_signature(secret=secret, timestamp=timestamp, body=body),
    }
    if language:
        headers["Accept-Language"] = language
    return body, headers


# The answer ---------------------------------------------------------------------------------


def _text(value: Any, limit: int) -> str:
    """A string (numbers become strings), stripped, scrubbed of what no page can show, and
    cut to `limit` characters; "" for anything else."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return ""
    text = edge.text_scrub(str(value)).strip()
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _url(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_URL:
        return ""
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc or not value.isprintable():
        return ""
    return value


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = str(value).strip()
    if isinstance(value, float):
        text = f"{value:.2f}"
    if not _AMOUNT.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        return None
    if parsed is None:
        return None
    # A time without a zone is taken as UTC, as the schema says.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _quantity(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= MAX_QUANTITY else None


def _order(raw: Any) -> dict | None:
    if not isinstance(raw, dict):
        return None
    number = _text(raw.get("number"), MAX_SHORT)
    if not number:
        return None
    items = []
    raw_items = raw.get("items")
    for item in raw_items[:MAX_ITEMS] if isinstance(raw_items, list) else []:
        name = _text(item.get("name"), MAX_NAME) if isinstance(item, dict) else ""
        if name:
            items.append({"name": name, "quantity": _quantity(item.get("quantity"))})
    currency = raw.get("currency")
    total = _amount(raw.get("total"))
    return {
        "number": number,
        # What an agent types in a reply: "#1042" (the host may send "#1042" itself).
        "reference": number if number.startswith("#") else f"#{number}",
        "status": _text(raw.get("status"), MAX_SHORT),
        "total": total,
        "currency": currency
        if total is not None and isinstance(currency, str) and _CURRENCY.match(currency)
        else "",
        "date": _date(raw.get("date")),
        "url": _url(raw.get("url")),
        "items": items,
        "more_items": max(0, len(raw_items) - MAX_ITEMS) if isinstance(raw_items, list) else 0,
    }


def _field(raw: Any) -> dict | None:
    if not isinstance(raw, dict):
        return None
    label = _text(raw.get("label"), MAX_LABEL)
    value = _text(raw.get("value"), MAX_VALUE)
    if not label or not value:
        return None
    return {"label": label, "value": value, "url": _url(raw.get("url"))}


def _card(raw: Any) -> dict | None:
    """One card, typed; None for an unknown type or one with nothing to show."""
    if not isinstance(raw, dict) or raw.get("type") not in CARD_TYPES:
        return None
    kind = raw["type"]
    title = _text(raw.get("title"), MAX_TITLE)
    if kind == "orders":
        entries = raw.get("orders")
        orders = [_order(entry) for entry in entries] if isinstance(entries, list) else []
        orders = [order for order in orders if order][:MAX_ORDERS]
        return {"type": kind, "title": title, "orders": orders}
    entries = raw.get("fields")
    fields = [_field(entry) for entry in entries] if isinstance(entries, list) else []
    fields = [entry for entry in fields if entry][:MAX_FIELDS]
    return {"type": kind, "title": title, "fields": fields} if fields else None


def context_answer_parse(raw: bytes) -> list[dict]:
    """The cards of a host's answer, validated; AnswerInvalid when it is not an answer."""
    if len(raw) > MAX_ANSWER_BYTES:
        raise AnswerInvalid("too_large", size=MAX_ANSWER_BYTES // 1024)
    try:
        data = edge.json_parse(raw)
    except errors.InvalidInput:
        raise AnswerInvalid("invalid_json") from None
    if not isinstance(data, dict) or not isinstance(data.get("cards"), list):
        raise AnswerInvalid("no_cards")
    cards = [_card(entry) for entry in data["cards"]]
    return [card for card in cards if card][:MAX_CARDS]


# The call ---------------------------------------------------------------------------------


def context_cards_fetch(*, source: CardSource, language: str = "") -> ContextCards:
    """Ask the host once (no cache); never raises for anything the host or network does."""
    body, headers = context_request(
        secret=source.secret,
        widget_key=source.widget_key,
        external_id=source.external_id,
        conversation_id=source.conversation_id,
        now=time.time(),
        language=language,
    )
    try:
        webhooks.url_check(source.url)  # at every call: DNS may have changed since it was saved
        status, answer = delivery_http.post_read(
            url=source.url,
            body=body,
            headers=headers,
            deadline_seconds=TIMEOUT_SECONDS,
            read_bytes=MAX_ANSWER_BYTES + 1,
        )
    except ValidationError as refused:
        return ContextCards(
            error_code="refused", error_params={"detail": " ".join(refused.messages)}
        )
    except delivery_http.DeadlineExceeded:
        return ContextCards(error_code="timeout", error_params={"seconds": f"{TIMEOUT_SECONDS:g}"})
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as failure:
        return ContextCards(
            error_code="unreachable", error_params={"error": type(failure).__name__}
        )
    if 300 <= status < 400:
        return ContextCards(error_code="redirect", error_params={"status": status})
    if not 200 <= status < 300:
        return ContextCards(error_code="status", error_params={"status": status})
    try:
        return ContextCards(cards=context_answer_parse(answer))
    except AnswerInvalid as invalid:
        return ContextCards(error_code=invalid.code, error_params=invalid.params)


def _cache_key(*, source: CardSource, language: str) -> str:
    # Hashed: an external id is the host's text, of any length and characters.
    text = f"{source.widget_key}\n{source.url}\n{source.external_id}\n{language}"
    digest = hashlib.sha256(text.encode()).hexdigest()
    return f"destek:context-cards:{digest}"


def context_cards_get(
    *, source: CardSource, language: str = "", refresh: bool = False
) -> ContextCards:
    """The cards from the cache, or asked for now (`refresh`: asked for now anyway); kept per
    widget, external id and language (the host may answer each language in its own)."""
    key = _cache_key(source=source, language=language)
    if not refresh:
        cached = cache.get(key, version=CACHE_VERSION)
        if cached is not None:
            return ContextCards(**cached)
    result = context_cards_fetch(source=source, language=language)
    cache.set(
        key,
        {
            "cards": result.cards,
            "error_code": result.error_code,
            "error_params": result.error_params,
        },
        FAILURE_CACHE_SECONDS if result.error_code else CACHE_SECONDS,
        version=CACHE_VERSION,
    )
    return result
