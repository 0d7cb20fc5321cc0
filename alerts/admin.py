from django.contrib import admin

from .models import AlertPreference, PushSubscription


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "user_agent", "created_at", "last_sent_at")
    readonly_fields = ("user", "endpoint", "p256dh", "auth", "user_agent", "created_at")


@admin.register(AlertPreference)
class AlertPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "push_assigned", "push_queued", "push_mentions", "email_waiting")
