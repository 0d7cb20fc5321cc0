"""Who may use the console: the decorator every console view wears."""

import functools
from zoneinfo import ZoneInfo

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils import translation

from support import edge, errors, hours, languages, selectors

# console.js writes the browser's IANA zone here on every console page.
TIME_ZONE_COOKIE = "console_time_zone"


def agent_required(view):
    """Logged-in users with an agent profile; others go to login or get a 403 page. Then the
    request's text is checked (support/edge.py): 400 for NUL in the query string or a form."""
    checked_view = edge.checked_page(view)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        profile = selectors.agent_profile_for_user(request.user)
        if profile is None:
            return render(request, "console/not_agent.html", status=403)
        request.agent = profile
        # The agent's own choice over the browser's (LocaleMiddleware's pick).
        language = languages.agent_language(profile=profile, browser=request.LANGUAGE_CODE)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            return checked_view(request, *args, **kwargs)
        except errors.NotFound:
            return render(request, "console/not_found.html", status=404)

    return wrapper


def supervisor_required(view):
    """A console page for supervisors: others get the 403 page (agent_required first)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.agent.is_supervisor:
            return render(request, "console/supervisors_only.html", status=403)
        try:
            return view(request, *args, **kwargs)
        except errors.Forbidden:
            return render(request, "console/supervisors_only.html", status=403)

    return agent_required(wrapper)


def request_time_zone(request) -> ZoneInfo:
    """The agent's zone for times they pick (snooze until tomorrow 09:00): the browser's, as
    the console reported it, else their profile's."""
    browser = request.COOKIES.get(TIME_ZONE_COOKIE, "")[:64]
    return hours.agent_time_zone(profile=request.agent, browser=browser)
