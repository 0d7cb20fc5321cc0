from django.contrib import admin

from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["__str__", "conversation", "sender_type", "created_at"]
    list_filter = ["sender_type"]
    list_select_related = ["conversation"]
    raw_id_fields = ["conversation", "sender_agent"]
    readonly_fields = ["conversation", "sender_type", "sender_agent", "client_id", "created_at"]
