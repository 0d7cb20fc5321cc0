"""Reads of proactive messages."""

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from support import errors
from support.models import Widget

from .models import Trigger


def trigger_list_active(*, widget: Widget) -> list[Trigger]:
    return list(Trigger.objects.filter(widget=widget, is_active=True))


def trigger_get_active_for_update(*, widget: Widget, trigger_id) -> Trigger:
    """The widget's active trigger, row-locked (call inside a transaction)."""
    try:
        trigger_id = int(trigger_id)
    except (TypeError, ValueError):
        raise errors.NotFound(_("No such proactive message."), code="trigger_not_found") from None
    trigger = (
        Trigger.objects.select_for_update(of=("self",))
        .select_related("team")
        .filter(widget=widget, pk=trigger_id, is_active=True)
        .first()
    )
    if trigger is None:
        raise errors.NotFound(_("No such proactive message."), code="trigger_not_found")
    return trigger


def trigger_list_with_figures() -> QuerySet[Trigger]:
    """Every trigger with how often it was shown and how often a reply followed."""
    return Trigger.objects.select_related("widget").annotate(
        shown_count=Count("displays"),
        conversion_count=Count("displays", filter=Q(displays__conversation__isnull=False)),
    )
