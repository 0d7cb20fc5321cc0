from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import F, Q, URLField
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import colours, hours, privacy, selectors
from .admin_attributes import PreChatFieldInline
from .auth_forms import AdminLockoutAuthenticationForm
from .http import client_ip
from .languages import format_duration
from .models import (
    AgentProfile,
    AuditEvent,
    BusinessHoursInterval,
    CannedResponse,
    Contact,
    ContactChange,
    Conversation,
    Label,
    Message,
    PriorityRule,
    ResponseTarget,
    SpecialDay,
    Team,
    Topic,
    Widget,
)

# The admin's sign-in gets the same lockout as the console's.
admin.site.login_form = AdminLockoutAuthenticationForm


class RecordAdminMixin:
    """A model admin for records the product writes (logs, deliveries): listed, shown and
    deletable, never added or changed by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdminMixin(RecordAdminMixin):
    """A model admin that lists and shows, never adds, changes or deletes."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Widget)
class WidgetAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "is_active", "require_verified_identity", "created_at"]
    list_filter = ["is_active", "require_verified_identity"]
    search_fields = ["name", "key"]
    inlines = [PreChatFieldInline]
    # The context card URL: https:// when the scheme is left out (Django 6's default).
    formfield_overrides = {URLField: {"assume_scheme": "https"}}
    readonly_fields = ["text_on_brand"]  # computed, not chosen (support.colours.text_on)

    @admin.display(description=_("text on the brand colour"))
    def text_on_brand(self, widget):
        return colours.text_on_described(widget.launcher_color) if widget.pk else "—"


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = [
            "name",
            "name_tr",
            "slug",
            "time_zone",
            "out_of_hours_message_en",
            "out_of_hours_message_tr",
        ]
        help_texts = {"time_zone": _("An IANA zone such as Europe/Istanbul or America/New_York.")}

    def clean_time_zone(self):
        return clean_time_zone(self.cleaned_data["time_zone"])


def clean_time_zone(value: str) -> str:
    value = value.strip()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise forms.ValidationError(_("Unknown time zone.")) from None
    return value


class AgentProfileForm(forms.ModelForm):
    class Meta:
        model = AgentProfile
        fields = [
            "user",
            "role",
            "display_name",
            "teams",
            "capacity",
            "presence",
            "time_zone",
            "language",
            "last_seen_at",
            "last_assigned_at",
        ]

    def clean_time_zone(self):
        return clean_time_zone(self.cleaned_data["time_zone"])


CLOSES_AT_HELP = _(
    "In the team's time zone. At or before the opening time: runs past midnight into the next "
    "day; 00:00–00:00 is open all day."
)


class BusinessHoursIntervalForm(forms.ModelForm):
    class Meta:
        model = BusinessHoursInterval
        fields = ["weekday", "opens_at", "closes_at"]
        help_texts = {"closes_at": CLOSES_AT_HELP}


class SpecialDayForm(forms.ModelForm):
    class Meta:
        model = SpecialDay
        fields = ["date", "name", "is_closed", "opens_at", "closes_at"]
        help_texts = {
            "is_closed": _("Replaces the weekly hours of this date: closed, or only these hours."),
            "closes_at": CLOSES_AT_HELP,
        }


class BusinessHoursIntervalInline(admin.TabularInline):
    model = BusinessHoursInterval
    form = BusinessHoursIntervalForm
    extra = 0


class SpecialDayInline(admin.TabularInline):
    model = SpecialDay
    form = SpecialDayForm
    extra = 0


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    form = TeamForm
    list_display = ["name", "name_tr", "slug", "time_zone"]
    prepopulated_fields = {"slug": ["name"]}
    fields = [
        "name",
        "name_tr",
        "slug",
        "time_zone",
        "opening_status",
        "out_of_hours_message_en",
        "out_of_hours_message_tr",
        "auto_reply_when_nobody_online",
    ]
    readonly_fields = ["opening_status"]
    inlines = [BusinessHoursIntervalInline, SpecialDayInline]

    @admin.display(description=_("now"))
    def opening_status(self, team: Team) -> str:
        if team.pk is None:
            return "—"
        return hours.opening_status_text(team=team, at=timezone.now())


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_tr", "slug", "team", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_filter = ["team", "is_active"]


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    form = AgentProfileForm
    list_display = ["__str__", "user", "role", "capacity", "presence", "time_zone", "last_seen_at"]
    list_editable = ["capacity"]
    list_filter = ["role", "teams", "presence"]
    filter_horizontal = ["teams"]
    readonly_fields = ["last_seen_at", "last_assigned_at"]


class ContactChangeInline(admin.TabularInline):
    """The contact's edit log, read only: edits happen in the console, where they are logged."""

    model = ContactChange
    fields = ["created_at", "changed_by", "field", "old_value", "new_value"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-id"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["display_name", "email", "external_id", "identified", "widget", "created_at"]
    list_filter = ["identified", "widget"]
    search_fields = ["name", "email", "external_id"]
    # Name and email change in the console (support.services.contact_update), which logs
    # who changed what and keeps the search words in step.
    readonly_fields = [
        "name",
        "email",
        "token_version",
        "created_at",
        "last_seen_at",
        "erased_at",
    ]
    inlines = [ContactChangeInline]
    actions = ["export_data", "erase_data"]

    @admin.action(description=_("Export data (zip)"), permissions=["view"])
    def export_data(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select one contact to export."), messages.ERROR)
            return None
        contact = queryset.select_related("widget").get()
        archive = privacy.contact_export(
            contact=contact, by_user=request.user, ip_address=client_ip(request)
        )
        response = HttpResponse(archive, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.zip"'
        return response

    @admin.action(description=_("Erase personal data"), permissions=["change"])
    def erase_data(self, request, queryset):
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request,
                "admin/support/contact/erase_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Erase personal data"),
                    "contacts": queryset,
                    "opts": self.model._meta,
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        erased = 0
        for contact in queryset:
            privacy.contact_erase(
                contact=contact, by_user=request.user, ip_address=client_ip(request)
            )
            erased += 1
        self.message_user(
            request,
            ngettext(
                "Erased the personal data of %(count)d contact.",
                "Erased the personal data of %(count)d contacts.",
                erased,
            )
            % {"count": erased},
            messages.SUCCESS,
        )
        return None


@admin.register(ContactChange)
class ContactChangeAdmin(RecordAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "contact", "field", "old_value", "new_value", "changed_by"]
    list_filter = ["field"]
    list_select_related = ["contact", "changed_by"]
    search_fields = ["contact__name", "contact__email", "old_value", "new_value"]
    readonly_fields = ["contact", "changed_by", "field", "old_value", "new_value", "created_at"]


class SlaFilter(admin.SimpleListFilter):
    """Conversations by response target: missed (first reply or resolution) or kept."""

    title = _("response target")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [
            ("first_response_missed", _("First reply late")),
            ("resolution_missed", _("Resolution late")),
            ("met", _("No target missed")),
        ]

    def queryset(self, request, queryset):
        missed_first = Q(first_response_breached_at__isnull=False) | Q(
            first_response_at__gt=F("first_response_due_at")
        )
        missed_resolution = Q(resolution_breached_at__isnull=False) | Q(
            resolved_at__gt=F("resolution_due_at")
        )
        if self.value() == "first_response_missed":
            return queryset.filter(missed_first)
        if self.value() == "resolution_missed":
            return queryset.filter(missed_resolution)
        if self.value() == "met":
            return queryset.exclude(missed_first | missed_resolution)
        return queryset


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "contact",
        "status",
        "priority",
        "topic",
        "team",
        "assignee",
        "created_at",
        "first_response_time",
        "resolved_by_bot",
        # ratings/admin.py appends the rating's column.
    ]
    list_filter = [
        "status",
        "priority",
        SlaFilter,
        "resolved_by_bot",
        "rating__score",
        "topic",
        "team",
        "created_at",
    ]
    # Counts next to each filter choice: the changelist doubles as a quick report.
    show_facets = admin.ShowFacets.ALWAYS
    date_hierarchy = "created_at"
    list_select_related = ["contact", "topic", "team", "assignee", "rating"]
    search_fields = ["contact__name", "contact__email", "last_message_preview"]
    raw_id_fields = ["contact", "assignee"]
    # Status moves go through the pipeline in the console, never through a raw save here.
    readonly_fields = [
        "status",
        "created_at",
        "last_message_at",
        "first_response_at",
        "first_response_seconds",
        "first_response_business_seconds",
        "resolved_at",
        "resolution_seconds",
        "resolution_business_seconds",
        "resolved_by_bot",
        "visitor_last_read_id",
        "agent_last_read_id",
    ]
    # Actions of the apps above support are appended by their admin modules (emails).
    actions = []

    @admin.display(description=_("first response"), ordering="first_response_business_seconds")
    def first_response_time(self, conversation: Conversation) -> str:
        return format_duration(conversation.first_response_business_seconds)


@admin.register(ResponseTarget)
class ResponseTargetAdmin(admin.ModelAdmin):
    list_display = ["priority", "first_response_seconds", "resolution_seconds"]
    list_editable = ["first_response_seconds", "resolution_seconds"]


@admin.register(PriorityRule)
class PriorityRuleAdmin(admin.ModelAdmin):
    list_display = ["keyword", "priority", "is_active"]
    list_editable = ["priority", "is_active"]
    list_filter = ["priority", "is_active"]
    search_fields = ["keyword"]


def is_admin_supervisor(user) -> bool:
    """An active staff user who is a superuser or a supervisor: who may see the admin pages
    kept for supervisors (the audit log, API tokens, webhooks, exports)."""
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    profile = selectors.agent_profile_for_user(user)
    return profile is not None and profile.is_supervisor


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit log: read-only, for superusers and supervisors with admin access."""

    list_display = [
        "created_at",
        "actor_name",
        "action",
        "conversation_ref",
        "contact_ref",
        "ip_address",
        "detail",
    ]
    list_filter = ["action", "created_at"]
    search_fields = ["actor_name", "=conversation_ref", "=contact_ref", "=ip_address"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]

    def has_module_permission(self, request):
        return is_admin_supervisor(request.user)

    def has_view_permission(self, request, obj=None):
        return is_admin_supervisor(request.user)


class LabelForm(forms.ModelForm):
    class Meta:
        model = Label
        fields = ["name", "colour"]
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    form = LabelForm
    list_display = ["name", "colour"]
    search_fields = ["name"]


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    """Team replies are managed here (and by supervisors in the console); agents keep their
    personal ones in the console."""

    list_display = ["shortcut", "title", "team", "owner", "updated_at"]
    list_filter = ["team"]
    search_fields = ["shortcut", "title", "body_en", "body_tr"]
    autocomplete_fields = ["owner"]
    fields = ["title", "shortcut", "body_en", "body_tr", "team", "owner"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["__str__", "conversation", "sender_type", "created_at"]
    list_filter = ["sender_type"]
    list_select_related = ["conversation"]
    raw_id_fields = ["conversation", "sender_agent"]
    readonly_fields = ["conversation", "sender_type", "sender_agent", "client_id", "created_at"]


# Issue 24's actions (blocks, macros) register their admin there: this module stays short.
from . import admin_actions  # noqa: E402, F401
