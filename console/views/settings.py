"""Supervisors' everyday settings in the console, the general page: widget appearance, labels
and retention periods (support.services.configuration). Teams and their hours are in
settings_teams, topics and response targets in settings_topics; a small nav joins them."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from support import errors, retention
from support.models import Label, Widget
from support.services import configuration

from .access import supervisor_required

CHECKBOXES = ("show_agent_avatars", "show_powered_by", "follow_dark_mode")


def form_errors(error: errors.DomainError) -> dict[str, str]:
    """A refusal's problems by field name (`form` when it names none), for the template."""
    return getattr(error, "fields", None) or {"form": error.detail}


def settings_page_render(
    request, template: str, *, section: str, problems=None, status: int = 200, **context
):
    """A settings page: the frame every one shares (the agent, the nav's current section, the
    "saved" notice after a redirect, the problems by field) around the page's own context."""
    frame = {
        "agent": request.agent,
        "settings_section": section,
        "problems": problems or {},
        "saved": request.GET.get("saved", ""),
    }
    return render(request, template, {**frame, **context}, status=status)


def _page(request, *, error=None, failed_widget=None, values=None, status=200):
    widgets = list(Widget.objects.order_by("name"))
    for widget in widgets:
        # A refused form shows what was typed, not the saved values: nothing is lost.
        widget.form = (
            values
            if widget.pk == failed_widget
            else {name: getattr(widget, name) for name in configuration.WIDGET_APPEARANCE_FIELDS}
        )
        widget.error = error if widget.pk == failed_widget else None
    return settings_page_render(
        request,
        "console/settings.html",
        section="general",
        status=status,
        widgets=widgets,
        positions=Widget.Position.choices,
        policies=retention.retention_policies(),
        retention_error=error if failed_widget == "retention" else None,
        labels=list(Label.objects.order_by("name")),
        label_error=error if failed_widget == "labels" else None,
        label_values=values if failed_widget == "labels" else {"colour": "#64748b"},
    )


@require_GET
@supervisor_required
def settings_page(request):
    return _page(request)


@require_POST
@supervisor_required
def widget_appearance(request, widget_id: int):
    values = {name: request.POST.get(name, "") for name in configuration.WIDGET_APPEARANCE_FIELDS}
    values.update({name: name in request.POST for name in CHECKBOXES})
    try:
        configuration.widget_appearance_update(
            actor=request.agent, widget_id=widget_id, values=values
        )
    except errors.InvalidInput as error:
        return _page(
            request, error=error.detail, failed_widget=widget_id, values=values, status=400
        )
    return redirect(reverse("console:settings") + f"?saved=widget-{widget_id}#widget-{widget_id}")


@require_POST
@supervisor_required
def retention_update(request):
    days = {p["kind"]: request.POST.get(p["kind"], "") for p in retention.retention_policies()}
    try:
        configuration.retention_policies_set(actor=request.agent, days=days)
    except errors.InvalidInput as error:
        return _page(request, error=error.detail, failed_widget="retention", status=400)
    return redirect(reverse("console:settings") + "?saved=retention#retention")


@require_POST
@supervisor_required
def label_add(request):
    values = {"name": request.POST.get("name", ""), "colour": request.POST.get("colour", "")}
    try:
        configuration.label_create(actor=request.agent, **values)
    except errors.InvalidInput as error:
        return _page(request, error=error.detail, failed_widget="labels", values=values, status=400)
    return redirect(reverse("console:settings") + "?saved=labels#labels")


@require_POST
@supervisor_required
def label_remove(request, label_id: int):
    configuration.label_delete(actor=request.agent, label_id=label_id)
    return redirect(reverse("console:settings") + "?saved=labels#labels")
