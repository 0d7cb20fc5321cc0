"""The widget page (what the loader's iframe or a mobile webview opens) and the demo host page."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from support import errors
from support import selectors as support_selectors


@require_GET
@xframe_options_exempt
def widget_page(request):
    try:
        widget = support_selectors.widget_get_active(key=request.GET.get("key", ""))
    except errors.DomainError:
        raise Http404("No active widget has this key.") from None
    response = render(
        request,
        "chat/widget.html",
        {
            "widget": widget,
            "app_mode": request.GET.get("mode") == "app",
            "host_url": request.GET.get("url", "")[:500],
        },
    )
    # Only the widget's allowed origins may frame it (X-Frame-Options cannot list origins).
    ancestors = ["'self'", *widget.allowed_origins, *settings.WIDGET_ALLOWED_ORIGINS]
    response["Content-Security-Policy"] = "frame-ancestors " + " ".join(ancestors)
    return response


@require_GET
def demo_page(request):
    """A pretend shop that embeds the widget with the one-line loader, as a customer would."""
    return render(request, "chat/demo.html", {"widget_key": request.GET.get("key", "demo")})
