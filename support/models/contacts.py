from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..edge import ScrubbingJSONDecoder
from ..search_document import search_document_field, search_text_field
from ..text import search_words
from .fields import agent_field
from .widgets import Widget

# What a contact's host-app attributes may hold (support.services cleans them; the REST API's
# schema states the same limits): this many names, each this long, texts this long.
MAX_ATTRIBUTES = 50
MAX_ATTRIBUTE_NAME_CHARS = 64
MAX_FIELD_CHARS = 500


class Contact(models.Model):
    """The end user behind a widget: anonymous, or identified by the host app's user id."""

    widget = models.ForeignKey(Widget, related_name="contacts", on_delete=models.CASCADE)
    external_id = models.CharField(_("external id"), max_length=191, blank=True)
    identified = models.BooleanField(_("verified identity"), default=False)
    name = models.CharField(_("name"), max_length=191, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=64, blank=True)
    # Visitor-written JSON: read through text_scrub (support/edge.py) for rows stored before
    # the edge refused lone surrogates.
    attributes = models.JSONField(
        _("attributes"), default=dict, blank=True, decoder=ScrubbingJSONDecoder
    )
    device = models.JSONField(
        _("last device"), default=dict, blank=True, decoder=ScrubbingJSONDecoder
    )
    locale = models.CharField(_("locale"), max_length=16, blank=True)
    # Bumped to revoke every visitor token issued for this contact (logout/reset).
    token_version = models.PositiveIntegerField(default=1)
    # The standing block that silences this contact (support.services.blocks), read with the
    # conversation's row lock on every message: no query of its own.
    blocked_by = models.ForeignKey(
        "support.ContactBlock",
        verbose_name=_("blocked by"),
        null=True,
        blank=True,
        related_name="blocked_contacts",
        on_delete=models.SET_NULL,
    )
    # The address of the latest widget session: what an IP block of this visitor blocks.
    last_ip = models.GenericIPAddressField(_("last IP address"), null=True, blank=True)
    # Set by support.privacy.contact_erase: personal data gone, statistics kept.
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # Folded words of name, email, phone and external id (support.text.search_words), kept
    # by the services that write those fields, and their tsvector on PostgreSQL
    # (GIN-indexed there, migration 0008).
    search_text = search_text_field()
    search_document = search_document_field()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["widget", "external_id"],
                condition=~Q(external_id=""),
                name="contact_unique_external_id_per_widget",
            )
        ]
        # Channels that know a customer by phone number (WhatsApp) find them by it.
        indexes = [
            models.Index(
                fields=["widget", "phone"], condition=~Q(phone=""), name="contact_phone_idx"
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """What agents call the contact, in the active language for an anonymous one."""
        return self.name or self.email or gettext("Visitor #%(number)s") % {"number": self.pk}

    def search_words(self) -> str:
        # Attribute values too: pre-chat answers and the host app's data are looked up by.
        values = [
            str(value)
            for value in (self.attributes or {}).values()
            if isinstance(value, str | int | float) and not isinstance(value, bool)
        ]
        return search_words(self.name, self.email, self.phone, self.external_id, *values)


class ContactChange(models.Model):
    """One edit of a contact's detail by an agent: who, when, which field, old → new."""

    class Field(models.TextChoices):
        NAME = "name", _("Name")
        EMAIL = "email", _("Email")

    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), related_name="changes", on_delete=models.CASCADE
    )
    changed_by = agent_field(_("changed by"))
    field = models.CharField(_("field"), max_length=16, choices=Field.choices)
    old_value = models.CharField(_("old value"), max_length=254, blank=True)
    new_value = models.CharField(_("new value"), max_length=254, blank=True)
    created_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact change")
        verbose_name_plural = _("contact changes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["contact", "-id"], name="contact_change_contact_idx")]

    def __str__(self) -> str:
        return f"{self.get_field_display()}: {self.old_value} → {self.new_value}"
