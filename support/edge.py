"""Input checks at the edge: every transport (widget API, sockets, REST API, host-page API,
console, inbound email) runs what it parsed through here before any service sees it.

Python strings can hold what no database or encoder takes: a lone surrogate ("\\ud800", from
a JSON escape) fails every UTF-8 encode (the database write, the page render), and NUL is
refused by PostgreSQL text. Integers have no bound in Python, and a 64-bit column or OFFSET
fails on a larger one. Refusing them here, as a 400 or an error frame, stores nothing.
"""

import functools
import json
import math
import re
from typing import Any

from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _

from . import errors

MAX_BIGINT = 2**63 - 1
# A lone surrogate (UTF-16 half) or NUL: neither is text any database or encoder accepts.
_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")


class InvalidText(errors.InvalidInput):
    code = "invalid_text"


def _text_ok(value: str) -> bool:
    return _BAD_CHARACTER.search(value) is None


def text_check(value: Any) -> None:
    """Refuse lone surrogates and NUL in every string (keys and values, nested) and integers
    or floats no column can hold. `value` is parsed JSON, a query dict's values or a URL's
    parameters: str, int, float, bool, None, lists/tuples and dicts of them."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not _text_ok(item):
                raise InvalidText(
                    _("Text must be valid Unicode without NUL characters or lone surrogates.")
                )
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not -MAX_BIGINT <= item <= MAX_BIGINT:
                raise errors.InvalidInput(_("Numbers must fit in 64 bits."))
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise errors.InvalidInput(_("Numbers must be finite."))
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)


def _no_constant(name: str):
    # json.loads accepts NaN and Infinity, which are not JSON and which PostgreSQL's jsonb refuses.
    raise ValueError(name)


def json_parse(raw: bytes | str) -> Any:
    """JSON as the standard defines it (no NaN or Infinity); InvalidInput `invalid_json`."""
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise errors.InvalidInput(_("The body is not valid JSON."), code="invalid_json") from None


def json_load(raw: bytes | str) -> Any:
    """A request body parsed (json_parse) and checked (text_check)."""
    data = json_parse(raw)
    text_check(data)
    return data


def _query_dict_items(query) -> list[str]:
    return [text for key, values in query.lists() for text in (key, *values)]


def request_check(request, kwargs: dict | None = None, *, form: bool = False) -> None:
    """The path, query string and URL parameters of an HTTP request, and with `form` its
    form fields (a JSON body is json_load's): `?q=%00` or `/contacts/u%00x/` never reach a
    query. Uploads leave `form` off: their body is read after authentication."""
    text_check(request.path)
    text_check(_query_dict_items(request.GET))
    if form and request.method == "POST":
        text_check(_query_dict_items(request.POST))
    # Only the text ones: an <int:…> id past 64 bits names nothing, a 404 like any unknown id.
    text_check([value for value in (kwargs or {}).values() if isinstance(value, str)])


def checked_page(view):
    """For HTML pages (the widget page, the demo): request_check first, a plain 400 when the
    query string, path or form is not text."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            request_check(request, kwargs, form=True)
        except errors.InvalidInput as error:
            return HttpResponseBadRequest(error.detail, content_type="text/plain; charset=utf-8")
        return view(request, *args, **kwargs)

    return wrapper


def row_id(raw: Any) -> int | None:
    """A row's id as a form, query or frame sends it (a str or an int), or None for anything
    else. Only ASCII digits: str.isdigit() also accepts "²", which int() refuses."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) < 20:
        value = int(raw)
    else:
        return None
    return value if 0 < value <= MAX_BIGINT else None


def int_param(
    raw: Any,
    *,
    name: str,
    default: int,
    minimum: int = 0,
    maximum: int = MAX_BIGINT,
    clamp: bool = False,
) -> int:
    """A whole number from a query string (or a JSON value), `default` when absent, within
    [minimum, maximum]; InvalidInput naming `name` otherwise. With `clamp`, a number above
    `maximum` is `maximum` (a cursor past every id simply finds nothing)."""
    if raw is None or raw == "":
        return default
    try:
        if isinstance(raw, bool | float):
            raise ValueError
        value = int(raw)
    except (TypeError, ValueError):
        raise errors.InvalidInput(_("%(name)s must be a whole number.") % {"name": name}) from None
    if clamp and value > maximum:
        return maximum
    if not minimum <= value <= maximum:
        raise errors.InvalidInput(
            _("%(name)s must be between %(minimum)s and %(maximum)s.")
            % {"name": name, "minimum": minimum, "maximum": maximum}
        )
    return value


def text_scrub(value: Any) -> Any:
    """`value` with lone surrogates replaced by U+FFFD and NUL removed, for rendering what was
    stored before the edge checked it (SQLite kept such strings in JSON columns)."""
    if isinstance(value, str):
        if _text_ok(value):
            return value
        return _BAD_CHARACTER.sub(lambda bad: "" if bad.group() == "\x00" else "\ufffd", value)
    if isinstance(value, dict):
        return {text_scrub(key): text_scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [text_scrub(item) for item in value]
    return value


class ScrubbingJSONDecoder(json.JSONDecoder):
    """Reads a JSON column through text_scrub: a value stored before the edge checked it
    renders (U+FFFD) instead of failing every page, export and webhook that shows it."""

    def decode(self, s, *args, **kwargs):
        return text_scrub(super().decode(s, *args, **kwargs))
