from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from support.admin import ConversationAdmin

from . import services
from .models import EmailPreference


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
