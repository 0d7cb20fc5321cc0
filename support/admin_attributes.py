"""Admin of the custom attribute definitions and the widgets' pre-chat questions."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AttributeDefinition, PreChatField


class PreChatFieldForm(forms.ModelForm):
    class Meta:
        model = PreChatField
        fields = ["topic", "kind", "attribute", "required", "order"]

    def clean(self):
        cleaned = super().clean()
        kind, attribute = cleaned.get("kind"), cleaned.get("attribute")
        if kind == PreChatField.Kind.ATTRIBUTE and attribute is None:
            self.add_error("attribute", _("Pick the custom attribute this field asks for."))
        if kind and kind != PreChatField.Kind.ATTRIBUTE and attribute is not None:
            self.add_error("attribute", _("Only the custom attribute field names an attribute."))
        return cleaned


class PreChatFieldInline(admin.TabularInline):
    """The widget's pre-chat form: asked before the first message, per topic or for all."""

    model = PreChatField
    form = PreChatFieldForm
    extra = 0


class AttributeDefinitionForm(forms.ModelForm):
    class Meta:
        model = AttributeDefinition
        fields = ["scope", "key", "label_en", "label_tr", "type", "options", "order"]

    def clean_options(self):
        options = self.cleaned_data.get("options") or []
        if not isinstance(options, list) or not all(
            isinstance(option, str) and option.strip() for option in options
        ):
            raise forms.ValidationError(_('A list of texts, e.g. ["gold", "silver"].'))
        return [option.strip() for option in options]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("type") == AttributeDefinition.Type.LIST and not cleaned.get("options"):
            self.add_error("options", _("A list attribute needs at least one option."))
        return cleaned


@admin.register(AttributeDefinition)
class AttributeDefinitionAdmin(admin.ModelAdmin):
    form = AttributeDefinitionForm
    list_display = ["key", "label_en", "label_tr", "scope", "type", "order"]
    list_filter = ["scope", "type"]
    search_fields = ["key", "label_en", "label_tr"]
