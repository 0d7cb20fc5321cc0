from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..languages import text_in_language
from .teams import Topic
from .widgets import Widget

ATTRIBUTE_KEY_VALIDATOR = RegexValidator(
    r"^[a-z][a-z0-9_]{0,63}$",
    _("Lower-case letters, digits and _, starting with a letter (e.g. loyalty_tier)."),
)


class AttributeDefinition(models.Model):
    """A typed attribute of contacts or conversations: what agents see, edit and filter by,
    and what the SDK's attributes under that key must look like. Keys without a definition
    stay free-form, as the host app sent them."""

    class Scope(models.TextChoices):
        CONTACT = "contact", _("Contact")
        CONVERSATION = "conversation", _("Conversation")

    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        LIST = "list", _("List")
        LINK = "link", _("Link")

    scope = models.CharField(_("applies to"), max_length=16, choices=Scope.choices)
    key = models.CharField(_("key"), max_length=64, validators=[ATTRIBUTE_KEY_VALIDATOR])
    label_en = models.CharField(_("label (English)"), max_length=80)
    label_tr = models.CharField(_("label (Turkish)"), max_length=80, blank=True)
    type = models.CharField(_("type"), max_length=8, choices=Type.choices, default=Type.TEXT)
    options = models.JSONField(
        _("list options"),
        default=list,
        blank=True,
        help_text=_('For the list type: the allowed values, e.g. ["gold", "silver"].'),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("custom attribute")
        verbose_name_plural = _("custom attributes")
        ordering = ["scope", "order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="attribute_unique_key_per_scope")
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()}: {self.key}"

    def label_for(self, language: str | None) -> str:
        return text_in_language(language, en=self.label_en, tr=self.label_tr)

    @property
    def local_label(self) -> str:
        return self.label_for(get_language())


class PreChatField(models.Model):
    """One question of a widget's pre-chat form, asked before the first message.

    No topic: asked for every topic of the widget; with a topic: only when the visitor picked
    it. Built-in kinds land on the contact (name, email, phone) or the conversation's
    attributes (order and table number); `attribute` asks for a custom attribute.
    """

    class Kind(models.TextChoices):
        NAME = "name", _("Name")
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        ORDER_NUMBER = "order_number", _("Order number")
        TABLE_NUMBER = "table_number", _("Table number")
        ATTRIBUTE = "attribute", _("Custom attribute")

    widget = models.ForeignKey(
        Widget, verbose_name=_("widget"), related_name="prechat_fields", on_delete=models.CASCADE
    )
    topic = models.ForeignKey(
        Topic,
        verbose_name=_("topic"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.CASCADE,
        help_text=_("Empty: asked whichever topic the visitor picks."),
    )
    kind = models.CharField(_("field"), max_length=16, choices=Kind.choices)
    attribute = models.ForeignKey(
        AttributeDefinition,
        verbose_name=_("custom attribute"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.CASCADE,
    )
    required = models.BooleanField(_("required"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("pre-chat form field")
        verbose_name_plural = _("pre-chat form")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="attribute", attribute__isnull=False)
                | (~models.Q(kind="attribute") & models.Q(attribute__isnull=True)),
                name="prechat_attribute_iff_kind_attribute",
            )
        ]

    def __str__(self) -> str:
        return self.attribute.key if self.attribute_id else self.get_kind_display()
