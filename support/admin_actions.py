"""The admin of blocks and macros (issue 24.4, 24.6), registered by support.admin."""

from django import forms
from django.contrib import admin

from . import errors
from .models import ContactBlock, Macro
from .services.macros import macro_actions_clean


@admin.register(ContactBlock)
class ContactBlockAdmin(admin.ModelAdmin):
    """The record of blocks; supervisors lift them in the console (Privacy → Blocked
    contacts), through the service that also frees the contacts and writes the audit log."""

    list_display = ["__str__", "contact", "ip_address", "blocked_by", "created_at", "lifted_at"]
    list_filter = ["reason", ("lifted_at", admin.EmptyFieldListFilter)]
    list_select_related = ["contact", "blocked_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MacroAdminForm(forms.ModelForm):
    def clean_actions(self):
        # The same check as the console's: only actions the services know, with valid values.
        try:
            return macro_actions_clean(self.cleaned_data["actions"])
        except errors.InvalidInput as error:
            raise forms.ValidationError(error.detail) from error


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    """Team macros are managed here (and by supervisors in the console); agents keep their
    personal ones in the console. Actions are [{"type", "value"}] (support.services.macros)."""

    form = MacroAdminForm
    list_display = ["name", "team", "owner", "updated_at"]
    list_filter = ["team"]
    search_fields = ["name"]
    autocomplete_fields = ["owner"]
    fields = ["name", "team", "owner", "actions"]
