"""Supervisors manage webhook endpoints, read the delivery log, re-send, and create API
tokens here. Every change goes through integrations.services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from support import errors
from support.admin import ReadOnlyAdminMixin, RecordAdminMixin, is_admin_supervisor

from . import exports, selectors, services, webhooks
from .forms import ExportForm
from .models import (
    ApiToken,
    CrmExport,
    Event,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)


class SupervisorOnly:
    """Model permissions as usual, and only for supervisors (or superusers)."""

    def has_module_permission(self, request):
        return is_admin_supervisor(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_admin_supervisor(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return is_admin_supervisor(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return is_admin_supervisor(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_admin_supervisor(request.user) and super().has_delete_permission(request, obj)


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "is_active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        webhooks.url_check(url)
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(SupervisorOnly, admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url", "event_list", "state", "consecutive_failures", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    readonly_fields = ["secret", "consecutive_failures", "disabled_at", "disabled_reason"]
    actions = ["enable_endpoints"]

    @admin.display(description=_("events"))
    def event_list(self, endpoint):
        return ", ".join(endpoint.events or [])

    @admin.display(description=_("state"))
    def state(self, endpoint):
        if endpoint.is_active:
            return _("Active")
        if endpoint.disabled_at:
            return format_html(
                '<strong style="color:#ba2121">{}</strong> {}',
                _("Disabled after failures."),
                endpoint.disabled_reason,
            )
        return _("Off")

    def save_model(self, request, obj, form, change):
        services.webhook_endpoint_save(endpoint=obj)

    def changelist_view(self, request, extra_context=None):
        for endpoint in selectors.webhook_endpoints_disabled():
            self.message_user(
                request,
                _(
                    "Webhook endpoint “%(name)s” was disabled after repeated failures: "
                    "%(reason)s Fix the receiver, enable it again and re-send failed deliveries."
                )
                % {"name": endpoint.name, "reason": endpoint.disabled_reason},
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("Enable the selected endpoints"))
    def enable_endpoints(self, request, queryset):
        for endpoint in queryset:
            services.webhook_endpoint_enable(endpoint=endpoint)
        self.message_user(request, _("Enabled."), messages.SUCCESS)


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ["number", "started_at", "status_code", "response_ms", "error", "response_excerpt"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(SupervisorOnly, RecordAdminMixin, admin.ModelAdmin):
    list_display = [
        "event",
        "endpoint",
        "status",
        "attempt_count",
        "created_at",
        "delivered_at",
        "next_attempt_at",
    ]
    list_filter = ["status", "event", "endpoint"]
    list_select_related = ["endpoint"]
    search_fields = ["event_id"]
    readonly_fields = [
        "endpoint",
        "event",
        "event_id",
        "payload",
        "status",
        "attempt_count",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    ]
    inlines = [WebhookAttemptInline]
    actions = ["resend"]

    @admin.action(description=_("Send the selected deliveries again"), permissions=["view"])
    def resend(self, request, queryset):
        sent = 0
        for delivery in queryset:
            try:
                services.webhook_delivery_resend(delivery=delivery)
            except errors.DomainError as error:
                self.message_user(request, error.detail, messages.ERROR)
            else:
                sent += 1
        if sent:
            self.message_user(
                request,
                ngettext(
                    "%(count)d delivery queued again.", "%(count)d deliveries queued again.", sent
                )
                % {"count": sent},
                messages.SUCCESS,
            )


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "scope", "widget", "is_active"]


@admin.register(ApiToken)
class ApiTokenAdmin(SupervisorOnly, admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["name", "prefix", "scope", "widget", "is_active", "created_at", "last_used_at"]
    list_filter = ["scope", "is_active"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at"]

    def save_model(self, request, obj, form, change):
        if change:
            services.api_token_update(token=obj)
            return
        try:
            token, raw = services.api_token_create(
                name=obj.name, scope=obj.scope, widget=obj.widget, created_by=request.user
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        obj.pk, obj.prefix, obj._state.adding = token.pk, token.prefix, False
        self.message_user(
            request,
            format_html(
                "{} <code>{}</code>",
                _("Copy the token now; it is shown only once:"),
                raw,
            ),
            messages.WARNING,
        )


@admin.register(CrmExport)
class CrmExportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Supervisors download contacts or conversations (with transcripts), streamed."""

    def has_module_permission(self, request):
        return is_admin_supervisor(request.user)

    def has_view_permission(self, request, obj=None):
        return is_admin_supervisor(request.user)

    def changelist_view(self, request, extra_context=None):
        if not is_admin_supervisor(request.user):
            raise PermissionDenied
        form = ExportForm(request.GET if "download" in request.GET else None)
        if form.is_bound and form.is_valid():
            kind, fmt = form.cleaned_data["kind"], form.cleaned_data["format"]
            response = StreamingHttpResponse(
                exports.export_stream(
                    kind=kind,
                    fmt=fmt,
                    since=form.moment(form.cleaned_data["since"]),
                    until=form.moment(form.cleaned_data["until"]),
                ),
                content_type="text/csv; charset=utf-8"
                if fmt == "csv"
                else "application/json; charset=utf-8",
            )
            filename = exports.export_filename(kind=kind, fmt=fmt, now=timezone.localtime())
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("CRM export"),
            "form": form if form.is_bound else ExportForm(),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/integrations/export.html", context)
