from django.contrib import admin

from .models import AgentProfile, Contact, Conversation, Team, Topic, Widget


@admin.register(Widget)
class WidgetAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "is_active", "created_at"]
    search_fields = ["name", "key"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_tr", "slug", "team", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_filter = ["team", "is_active"]


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "role"]
    list_filter = ["role", "teams"]
    filter_horizontal = ["teams"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["display_name", "email", "external_id", "identified", "widget", "created_at"]
    list_filter = ["identified", "widget"]
    search_fields = ["name", "email", "external_id"]
    readonly_fields = ["token_version", "created_at", "last_seen_at"]


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "contact", "status", "priority", "topic", "team", "assignee"]
    list_filter = ["status", "priority", "topic", "team"]
    list_select_related = ["contact", "topic", "team", "assignee"]
    search_fields = ["contact__name", "contact__email", "last_message_preview"]
    raw_id_fields = ["contact", "assignee"]
    # Status moves go through the pipeline in the console, never through a raw save here.
    readonly_fields = [
        "status",
        "created_at",
        "last_message_at",
        "first_response_at",
        "resolved_at",
        "visitor_last_read_id",
        "agent_last_read_id",
    ]
