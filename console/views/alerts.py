"""The agent's alerts: preferences, this browser's Web Push subscription, the service worker."""

import json

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alerts import selectors as alert_selectors
from alerts import services as alert_services
from alerts import vapid
from support import errors

from .access import agent_required

PREFERENCE_FIELDS = ("push_assigned", "push_queued", "push_mentions", "email_waiting")


@require_http_methods(["GET", "POST"])
@agent_required
def alert_settings(request):
    saved = False
    if request.method == "POST":
        alert_services.alert_preference_update(
            user=request.user, **{name: name in request.POST for name in PREFERENCE_FIELDS}
        )
        saved = True
    preference = alert_selectors.alert_preference_get(user=request.user)
    context = {
        "agent": request.agent,
        "preference": preference,
        "fields": [
            (name, preference._meta.get_field(name).verbose_name, getattr(preference, name))
            for name in PREFERENCE_FIELDS
        ],
        "saved": saved,
        "vapid_public_key": vapid.public_key() if vapid.configured() else "",
        "subscriptions": alert_selectors.push_subscription_list(user=request.user),
        "has_email": bool(request.user.email),
    }
    return render(request, "console/alerts.html", context)


def _json_body(request) -> dict:
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise errors.InvalidInput(
            _("The request is not valid JSON."), code="invalid_json"
        ) from None
    if not isinstance(data, dict):
        raise errors.InvalidInput(_("The request is not valid JSON."), code="invalid_json")
    return data


def _error(error: errors.InvalidInput) -> JsonResponse:
    return JsonResponse({"error": {"code": error.code, "detail": str(error.detail)}}, status=400)


@require_POST
@agent_required
def push_subscribe(request):
    try:
        subscription = alert_services.push_subscription_save(
            user=request.user,
            subscription=_json_body(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except errors.InvalidInput as error:
        return _error(error)
    return JsonResponse({"id": subscription.pk}, status=201)


@require_POST
@agent_required
def push_unsubscribe(request):
    try:
        removed = alert_services.push_subscription_delete(
            user=request.user, endpoint=_json_body(request).get("endpoint")
        )
    except errors.InvalidInput as error:
        return _error(error)
    return JsonResponse({"removed": removed})


@require_GET
def service_worker(request):
    """Served from /console/ so that its scope covers the console's pages (a script under
    /static/ could only control /static/)."""
    script = render_to_string("console/sw.js", {"inbox_url": reverse("console:inbox")})
    response = HttpResponse(script, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
