from django.contrib import admin

from .models import EmailPreference


@admin.register(EmailPreference)
class EmailPreferenceAdmin(admin.ModelAdmin):
    list_display = ["contact", "transcript_requested", "updated_at"]
    list_select_related = ["contact"]
    raw_id_fields = ["contact"]
    search_fields = ["contact__email"]
