"""The widget page (what the loader's iframe or a mobile webview opens) and the demo host page."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from support import colours, edge, errors
from support import selectors as support_selectors
from support.demo import DEMO_WIDGET_KEY, demo_identity

from . import file_urls, selectors

# A file response renders nothing active: no script, no frames, no plugins. Inline style is
# allowed only because the browser's own image and text viewers style the page they build
# around a file; no stored file is HTML or SVG (chat.uploads), so none can bring its own.
FILE_CSP = {
    "default-src": "'none'",
    "script-src": "'none'",
    "style-src": "'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'none'",
    "connect-src": "'none'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'none'",
    "frame-ancestors": "'self'",
    "sandbox": "",
}


@require_GET
@xframe_options_exempt
@edge.checked_page
def widget_page(request):
    """The widget: in the loader's iframe (`?key=&origin=`) or full screen in an app's
    webview (`?mode=app&widget_key=`, docs/mobile.md). `?lang=` (the host app's locale, which
    the loader passes) wins over the browser's language."""
    translation.activate(requested_language(request))
    key = request.GET.get("key") or request.GET.get("widget_key", "")
    try:
        widget = support_selectors.widget_get_active(key=key)
    except errors.DomainError:
        raise Http404(_("No active widget has this key.")) from None
    parent_origin = request.GET.get("origin", "")[:200]
    if parent_origin and not support_selectors.widget_origin_is_allowed(
        widget=widget, origin=parent_origin, host=request.get_host()
    ):
        response = render(
            request,
            "chat/widget_refused.html",
            {"widget": widget, "origin": parent_origin},
            status=403,
        )
        response["Content-Security-Policy"] = "frame-ancestors 'none'"
        return response
    response = render(
        request,
        "chat/widget.html",
        {
            "widget": widget,
            "app_mode": request.GET.get("mode") == "app",
            "parent_origin": parent_origin,
            # White label (support.colours): the brand colour's shades as CSS variables; the
            # default colour's are widget.css's own, so its page carries none.
            "palette": {
                k.replace("-", "_"): v for k, v in colours.palette(widget.launcher_color).items()
            }
            if widget.launcher_color.lower() != colours.DEFAULT_BRAND
            else None,
            "assistant_name": widget.assistant_name_for(translation.get_language()),
            "assistant_avatar": widget.assistant_avatar_url,
        },
    )
    # Only the page that asked may frame it (X-Frame-Options cannot list origins); with no
    # origin named, any of the widget's allowed origins.
    if parent_origin:
        ancestors = ["'self'", parent_origin]
    else:
        ancestors = ["'self'", *widget.allowed_origins, *settings.WIDGET_ALLOWED_ORIGINS]
    response["Content-Security-Policy"] = "frame-ancestors " + " ".join(ancestors)
    return response


def home(request):
    """The site's root: the demo shop when the demo is on (`make run`), else the console."""
    return redirect("demo" if settings.DESTEK["DEMO"] else "console:inbox")


def _demo_widget():
    """The demo widget, if the demo is switched on (DESTEK["DEMO"]); else there is no demo.

    Only that widget: the pages sign the demo user's id with its secret (support.demo), and
    must never do so for a real one."""
    if not settings.DESTEK["DEMO"]:
        raise Http404(_("The demo is switched off."))
    try:
        return support_selectors.widget_get_active(key=DEMO_WIDGET_KEY)
    except errors.DomainError:
        raise Http404(_("No active widget has this key.")) from None


@require_GET
@edge.checked_page
def demo_page(request):
    """A pretend shop that embeds the widget with the one-line loader, as a customer would."""
    widget = _demo_widget()
    return render(
        request,
        "chat/demo.html",
        {"widget_key": widget.key, "demo_user": demo_identity(widget=widget)},
    )


@require_GET
@edge.checked_page
def demo_app_page(request):
    """The widget's app mode in a phone-sized frame, as a mobile app's WebView shows it."""
    widget = _demo_widget()
    user = demo_identity(widget=widget)
    query = {"mode": "app", "widget_key": widget.key, "platform": "ios", "os": "iOS"}
    query |= {"os_version": "18.1", "app_version": "4.2.0", "model": "iPhone 15"}
    query |= {"locale": request.LANGUAGE_CODE}
    if user:
        query |= {k: user[k] for k in ("external_id", "hash", "name", "email")}
    return render(
        request, "chat/demo_app.html", {"widget_url": f"{reverse('widget')}?{urlencode(query)}"}
    )


@require_GET
def attachment_file(request, token: str):
    """A stored file behind a short-lived signed URL (local storage; S3 presigns instead).

    The token was issued to someone allowed to see the conversation (chat.file_urls); an
    expired or altered token is 403. Images show inline; everything else downloads; the
    browser must not sniff or run anything.
    """
    read = file_urls.token_read(token)
    if read is None:
        return HttpResponseForbidden(_("This link has expired or is not valid."))
    attachment_id, variant = read
    attachment = selectors.attachment_get_by_id(attachment_id=attachment_id)
    name = None
    if attachment is not None:
        name = attachment.thumbnail.name if variant == "thumbnail" else attachment.file.name
    if not name:
        raise Http404(_("No such file."))
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404(_("No such file.")) from None
    response = FileResponse(
        handle, content_type=file_urls.content_type(attachment, variant=variant)
    )
    response["Content-Disposition"] = file_urls.disposition(attachment, variant=variant)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "; ".join(
        f"{key} {value}".strip() for key, value in FILE_CSP.items()
    )
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = f"private, max-age={file_urls.max_age()}"
    return response


def requested_language(request) -> str:
    """The supported language named by `?lang=` or an app's `?locale=` (`tr-TR` -> `tr`: the
    host app's locale, or the widget page's), else the one LocaleMiddleware picked from the
    browser."""
    asked = request.GET.get("lang") or request.GET.get("locale") or ""
    try:
        return translation.get_supported_language_variant(asked[:35])
    except LookupError:
        return translation.get_language()


def _files_texts() -> dict:
    """The attachments module (static/widget/files.js): loads on the first attach, with the
    limits it checks before uploading."""
    return {
        "attach": _("Attach files"),
        "uploading": _("Uploading {name}…"),
        "remove": _("Remove {name}"),
        "failed": _("{name} was not sent: {reason}"),
        "big": _("This file is too large."),
        "type": _("This kind of file cannot be sent."),
        "many": _("Too many files in a short time; wait a few minutes and try again."),
        "max": _("At most {n} files per message."),
        "open": _("Open {name}"),
        "close": _("Close"),
        "expired": _("This file is no longer available."),
        "limit": settings.DESTEK["ATTACHMENTS_PER_MESSAGE"],
        "max_bytes": settings.DESTEK["ATTACHMENT_MAX_BYTES"],
    }


def _faq_texts() -> dict:
    """The help-articles module (static/widget/faq.js): loads on first use."""
    return {
        "title": _("Help articles"),
        "back": _("Back to chat"),
        "all": _("All articles"),
        "search": _("Search help articles"),
        "top": _("Popular articles"),
        "results": _("Results"),
        "none": _("No articles match “{q}”."),
        "noneHint": _("Try other words, or ask us in the chat."),
        "retry": _("Try again"),
        "helpful": _("Was this helpful?"),
        "yes": _("Yes"),
        "no": _("No"),
        "thanksYes": _("Thanks! Glad it helped."),
        "thanksNo": _("Thanks for telling us. If you still need help, write to us in the chat."),
        "full": _("Open in help centre"),
        "updated": _("Updated {date}"),
        "fresh": _("New message"),
        "write": _("Write to us"),
    }


def _status_texts() -> dict:
    """The closed, waiting-in-line and reopen lines (static/widget/status.js): load only then."""
    return {
        "at": _("Back at {time}"),
        "on": _("Back {day} at {time}"),
        "line": _("You are number {n} in line"),
        "lineEta": _("You are number {n} in line · about {time}"),
        "next": _("You're next"),
        "nextEta": _("You're next · about {time}"),
        "min": _("{n} min"),
        "h": _("{n} h"),
        "until": _("You can reopen it until {date}."),
        "expired": _("It can no longer be reopened."),
    }


def _history_texts() -> dict:
    """The visitor's conversation list (static/widget/history.js): loads when it first shows."""
    return {
        "title": _("Your conversations"),
        "conv": _("Conversation"),
        "empty": _("No messages yet"),
        "unread": _("unread"),
        "older": _("Show older conversations"),
        # A conversation's status, as its pill says it.
        "queued": _("Waiting for an agent"),
        "open": _("Open"),
        "pending": _("Awaiting your reply"),
        "resolved": _("Resolved"),
    }


def _rating_texts() -> dict:
    """The rating prompt (static/widget/rating.js): loads once a prompt is in the thread."""
    return {
        "star": _("{n} of 5 stars"),
        "rc": _("Add a comment (optional)"),
        "rs": _("Send"),
        "rt": _("Thank you for your comment!"),
    }


def _prechat_texts() -> dict:
    """The pre-chat form (static/widget/prechat.js): loads only for widgets with a form."""
    return {
        "title": _("Before we start"),
        "intro": _("A few details help us answer you faster."),
        "optional": _("(optional)"),
        "start": _("Start the chat"),
        "required": _("This field is required."),
        "email": _("Enter a valid email address, like name@example.com."),
    }


# The texts of each widget module that loads on first use, by the name in its address
# (/widget/<name>-texts): kept out of the widget page so its first open stays small.
WIDGET_MODULE_TEXTS = {
    "files": _files_texts,
    "faq": _faq_texts,
    "status": _status_texts,
    "history": _history_texts,
    "rating": _rating_texts,
    "prechat": _prechat_texts,
}


@require_GET
def widget_module_texts(request, module: str):
    """One module's texts in the requested language, cached by browsers for an hour."""
    with translation.override(requested_language(request)):
        response = JsonResponse(WIDGET_MODULE_TEXTS[module]())
    response["Cache-Control"] = "public, max-age=3600"
    return response
