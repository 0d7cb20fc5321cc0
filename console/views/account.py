"""The agent's own session and settings: sign-in and sign-out, presence, console language."""

from django.contrib.auth import views as auth_views
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from support import errors, services

from .. import forms
from .access import agent_required


class ConsoleLoginView(auth_views.LoginView):
    template_name = "console/login.html"
    authentication_form = forms.ConsoleAuthenticationForm
    redirect_authenticated_user = True


class ConsoleLogoutView(auth_views.LogoutView):
    pass


@require_POST
@agent_required
def presence_change(request):
    try:
        services.agent_set_presence(profile=request.agent, presence=request.POST.get("presence"))
    except errors.DomainError as error:
        return HttpResponseBadRequest(error.detail)
    return render(request, "console/_presence.html", {"agent": request.agent})


@require_POST
@agent_required
def language_change(request):
    """The agent's console language (the form in the rail's profile menu), then back."""
    try:
        services.agent_set_language(profile=request.agent, language=request.POST.get("language"))
    except errors.DomainError as error:
        return HttpResponseBadRequest(error.detail)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("console:inbox")
    return redirect(back)
