"""Who may use the console: the decorator every console view wears."""

import functools

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils import translation

from support import edge, errors, languages, selectors


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
    """Worn under agent_required: supervisors only; other agents get a 403 page."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.agent.is_supervisor:
            return render(request, "console/supervisors_only.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
