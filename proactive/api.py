"""The host page's API: what static/widget/loader.js asks before any iframe exists.

`GET config` (launcher look, texts, active triggers) and `POST triggers/<id>/fire`. They are
called cross-origin from the shop's page, so they answer with CORS headers, and only pages
of the widget's allowed origins (or our own host) get an answer other than 403. Both are
"simple" CORS requests (a GET; a POST with a text/plain body): no preflight round trip.
"""

import functools

from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from support import colours, edge, errors
from support import selectors as support_selectors
from support.http import client_ip
from support.languages import language_code

from . import selectors, services
from .models import Trigger

CONFIG_MAX_AGE = 60  # seconds the browser may reuse the launcher config


def host_endpoint(methods: list[str]):
    """Find the widget, refuse origins it does not allow, add CORS, translate domain errors."""

    def decorator(view):
        @csrf_exempt
        @require_http_methods(methods)
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            origin = request.headers.get("Origin", "")
            try:
                edge.request_check(request, kwargs)
                if request.method == "POST":
                    request.json = edge.json_load(request.body or b"{}")
                    if not isinstance(request.json, dict):
                        raise errors.InvalidInput(_("The body must be a JSON object."))
                    key = request.json.get("widget_key")
                else:
                    request.json = {}
                    key = request.GET.get("widget_key")
                request.widget = support_selectors.widget_get_active(key=key)
                # Browsers send Origin on every cross-origin fetch; none means our own page
                # (a same-origin GET) or a server-side client, which CORS does not concern.
                if origin and not support_selectors.widget_origin_is_allowed(
                    widget=request.widget, origin=origin, host=request.get_host()
                ):
                    raise errors.Forbidden(
                        _(
                            "%(origin)s may not embed the widget %(key)s: add it to the "
                            "widget's allowed origins."
                        )
                        % {"origin": origin, "key": key},
                        code="origin_not_allowed",
                    )
                response = view(request, *args, **kwargs)
            except errors.DomainError as error:
                response = JsonResponse(
                    {"error": {"code": error.code, "detail": error.detail}},
                    status=error.status,
                    headers=error.http_headers,
                )
            if origin:
                # Errors are readable too, so the loader can say why in the console.
                response["Access-Control-Allow-Origin"] = origin
                response["Vary"] = "Origin"
            return response

        return wrapper

    return decorator


def _trigger_to_dict(trigger: Trigger) -> dict:
    return {
        "id": trigger.pk,
        "on": trigger.kind,
        "url": services.url_pattern_regex(trigger.url_pattern) if trigger.url_pattern else "",
        "event": trigger.event_name,
        # Time on page waits its seconds, then the delay; the others wait the delay.
        "wait": trigger.delay_seconds
        + (trigger.seconds_on_page if trigger.kind == Trigger.Kind.TIME_ON_PAGE else 0),
        "cap": trigger.cap_days,
    }


@host_endpoint(["GET"])
def config(request):
    """`GET config?widget_key=&lang=`: the launcher's look and texts and the active triggers."""
    widget = request.widget
    language = language_code(request.GET.get("lang"))
    with translation.override(language):
        payload = {
            "position": widget.launcher_position,
            "color": widget.launcher_color,
            # The launcher's text and icon: readable on the brand colour (support.colours).
            "fg": colours.text_on(widget.launcher_color),
            "text": widget.launcher_text_for(language),
            "greeting": widget.greeting_for(language),
            # open, close, the iframe's title, dismiss the bubble
            "labels": [_("Open chat"), _("Close chat"), _("Support chat"), _("Dismiss")],
            "triggers": [_trigger_to_dict(t) for t in selectors.trigger_list_active(widget=widget)],
        }
    response = JsonResponse(payload)
    response["Cache-Control"] = f"max-age={CONFIG_MAX_AGE}"
    return response


@host_endpoint(["POST"])
def trigger_fire(request, trigger_id: int):
    """`POST triggers/<id>/fire` {widget_key, visitor_id | identity, url, lang}: 200 with the
    message to show and the token a reply carries; 409 `capped` / `closed` /
    `not_applicable`; 403 `identity_invalid`."""
    data = request.json
    display, token = services.trigger_fire(
        widget_key=request.widget.key,
        trigger_id=trigger_id,
        visitor_id=data.get("visitor_id"),
        identity=data.get("identity"),
        url=data.get("url", ""),
        client_address=client_ip(request),
    )
    return JsonResponse(
        {
            "trigger": display.trigger_id,
            "message": display.trigger.message_for(language_code(data.get("lang"))),
            "token": token,
        }
    )
