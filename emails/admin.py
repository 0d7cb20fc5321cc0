from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from support.admin import ConversationAdmin

from . import services
from .models import EmailPreference, InboundEmail, OutboundEmail, SupportAddress


@admin.register(EmailPreference)
class EmailPreferenceAdmin(admin.ModelAdmin):
    list_display = ["contact", "transcript_requested", "updated_at"]
    list_select_related = ["contact"]
    raw_id_fields = ["contact"]
    search_fields = ["contact__email"]


@admin.action(description=_("Email the transcript to the visitor"))
def email_transcript(modeladmin, request, queryset):
    sent = skipped = 0
    for conversation in queryset.select_related("contact"):
        if services.transcript_enqueue(conversation=conversation):
            sent += 1
        else:
            skipped += 1
    modeladmin.message_user(
        request,
        _("Transcripts queued: %(sent)s; without an email address: %(skipped)s.")
        % {"sent": sent, "skipped": skipped},
    )


# The conversations' admin is support's; the e-mail action is this app's.
ConversationAdmin.actions = [*ConversationAdmin.actions, email_transcript]


@admin.register(SupportAddress)
class SupportAddressAdmin(admin.ModelAdmin):
    list_display = [
        "address",
        "display_name",
        "team",
        "widget",
        "language",
        "is_active",
        "imap_polled_at",
    ]
    list_filter = ["is_active", "team", "language"]
    search_fields = ["address", "display_name"]
    readonly_fields = ["imap_uidvalidity", "imap_last_uid", "imap_polled_at", "imap_error"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "address",
                    "display_name",
                    "team",
                    "widget",
                    "topic",
                    "language",
                    "is_active",
                ]
            },
        ),
        (
            _("IMAP polling"),
            {
                "fields": [
                    "imap_host",
                    "imap_port",
                    "imap_security",
                    "imap_user",
                    "imap_password_env",
                    "imap_folder",
                    "imap_uidvalidity",
                    "imap_last_uid",
                    "imap_polled_at",
                    "imap_error",
                ]
            },
        ),
        (_("Inbound webhook"), {"fields": ["webhook_secret"]}),
    ]


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    """Every received mail and what became of it; refused ones say why (loops, mail bombs)."""

    list_display = ["received_at", "sender", "subject", "status", "refusal", "conversation"]
    list_filter = ["status", "refusal", "support_address"]
    search_fields = ["sender", "subject", "header_id"]
    list_select_related = ["conversation"]
    exclude = ["original"]
    readonly_fields = [
        "support_address",
        "header_id",
        "status",
        "refusal",
        "sender",
        "subject",
        "size",
        "conversation",
        "message",
        "received_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "conversation", "status", "attempts", "error", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["conversation"]
    readonly_fields = [
        "message",
        "conversation",
        "header_id",
        "status",
        "attempts",
        "error",
        "sent_at",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False
