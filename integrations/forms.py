from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import exports


class ExportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What"),
        choices=[
            ("contacts", _("Contacts")),
            ("conversations", _("Conversations with transcripts")),
        ],
    )
    format = forms.ChoiceField(label=_("Format"), choices=[("csv", "CSV"), ("json", "JSON")])
    since = forms.DateField(
        label=_("Created from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Inclusive; empty: from the first."),
    )
    until = forms.DateField(
        label=_("Created before"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Exclusive; empty: up to now."),
    )

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            raise forms.ValidationError(_("“Created from” must be before “Created before”."))
        if data.get("kind") not in exports.KINDS or data.get("format") not in exports.FORMATS:
            raise forms.ValidationError(_("Pick what to export and a format."))
        return data

    @staticmethod
    def moment(day) -> datetime | None:
        """Midnight of a date in the site's time zone."""
        return timezone.make_aware(datetime.combine(day, time())) if day else None
