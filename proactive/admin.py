from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from support.admin import RecordAdminMixin

from . import selectors
from .models import Trigger, TriggerDisplay


@admin.register(Trigger)
class TriggerAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "widget",
        "kind",
        "delay_seconds",
        "cap_days",
        "business_hours_only",
        "is_active",
        "shown",
        "conversions",
    ]
    list_filter = ["widget", "kind", "is_active"]
    search_fields = ["name", "message_en", "message_tr"]
    fieldsets = [
        (None, {"fields": ["widget", "name", "is_active", "order"]}),
        (_("When"), {"fields": ["kind", "seconds_on_page", "url_pattern", "event_name"]}),
        (_("Message"), {"fields": ["message_en", "message_tr", "delay_seconds"]}),
        (_("Limits"), {"fields": ["cap_days", "business_hours_only", "team"]}),
    ]

    def get_queryset(self, request):
        return selectors.trigger_list_with_figures()

    @admin.display(description=_("shown"), ordering="shown_count")
    def shown(self, trigger):
        return trigger.shown_count

    @admin.display(description=_("conversations started"), ordering="conversion_count")
    def conversions(self, trigger):
        return trigger.conversion_count


@admin.register(TriggerDisplay)
class TriggerDisplayAdmin(RecordAdminMixin, admin.ModelAdmin):
    """What was shown to whom, and which conversation a reply started: read only."""

    list_display = ["trigger", "visitor_key", "url", "shown_at", "conversation", "converted_at"]
    list_filter = ["trigger"]
    list_select_related = ["trigger", "conversation"]
    date_hierarchy = "shown_at"
