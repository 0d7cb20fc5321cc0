from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Channel, Template


class ChannelForm(forms.ModelForm):
    # Write-only: what is stored is never shown again; leave blank to keep it.
    access_token = forms.CharField(
        label=_("access token"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Stored encrypted. Leave blank to keep the stored one."),
    )
    app_secret = forms.CharField(
        label=_("app secret"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Stored encrypted. Leave blank to keep the stored one."),
    )

    class Meta:
        model = Channel
        fields = [
            "name",
            "widget",
            "team",
            "phone_number_id",
            "display_phone_number",
            "language",
            "access_token",
            "access_token_env",
            "app_secret",
            "app_secret_env",
            "verify_token",
            "is_active",
        ]

    def clean(self):
        data = super().clean()
        instance = self.instance
        if not (
            data.get("access_token")
            or data.get("access_token_env")
            or instance.access_token_encrypted
        ):
            raise forms.ValidationError(_("Give the access token or its variable's name."))
        if not (
            data.get("app_secret") or data.get("app_secret_env") or instance.app_secret_encrypted
        ):
            raise forms.ValidationError(_("Give the app secret or its variable's name."))
        return data

    def save(self, commit=True):
        services.channel_save_secrets(
            channel=self.instance,
            access_token=self.cleaned_data.get("access_token", ""),
            app_secret=self.cleaned_data.get("app_secret", ""),
        )
        return super().save(commit=commit)


class TemplateInline(admin.TabularInline):
    model = Template
    extra = 1


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = [
        "name",
        "display_phone_number",
        "phone_number_id",
        "widget",
        "team",
        "language",
        "is_active",
    ]
    inlines = [TemplateInline]
