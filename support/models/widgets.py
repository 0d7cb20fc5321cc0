import secrets

from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .. import colours
from ..context_url import context_url_validate
from ..languages import language_code, text_in_language


def generate_widget_secret() -> str:
    return secrets.token_hex(32)


class Widget(models.Model):
    """One embeddable chat widget: a site or an app that talks to the helpdesk."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=120)
    # Shared with the host app's server, which signs user ids with it (HMAC-SHA256).
    secret = models.CharField(_("identity secret"), max_length=128, default=generate_widget_secret)
    allowed_origins = models.JSONField(
        _("allowed origins"),
        default=list,
        blank=True,
        help_text=_('Origins allowed to embed the widget, e.g. ["https://shop.example.com"].'),
    )
    is_active = models.BooleanField(_("active"), default=True)
    require_verified_identity = models.BooleanField(
        _("require verified identity"),
        default=False,
        help_text=_(
            "Only visitors whose host app signed their user id (HMAC) may chat: every widget "
            "call and socket of an anonymous visitor is refused."
        ),
    )
    bot_enabled = models.BooleanField(
        _("greeting bot"),
        default=True,
        help_text=_("Greet new chats, suggest help articles and hand over to a person."),
    )
    greeting_en = models.CharField(_("greeting (English)"), max_length=500, blank=True)
    greeting_tr = models.CharField(_("greeting (Turkish)"), max_length=500, blank=True)

    class Position(models.TextChoices):
        RIGHT = "right", _("Bottom right")
        LEFT = "left", _("Bottom left")

    # The launcher on the host page (static/widget/loader.js); data attributes override them.
    launcher_position = models.CharField(
        _("launcher position"), max_length=8, choices=Position.choices, default=Position.RIGHT
    )
    launcher_color = models.CharField(
        _("brand colour"),
        help_text=_(
            "The launcher, the chat's header, buttons and the visitor's messages. The text on "
            "it is white or dark, whichever reads better."
        ),
        max_length=7,
        default=colours.DEFAULT_BRAND,
        validators=[
            RegexValidator(
                r"^#[0-9a-fA-F]{6}$", _("A colour such as #4338ca (# and 6 hex digits).")
            )
        ],
    )
    launcher_text_en = models.CharField(
        _("launcher text (English)"),
        max_length=40,
        blank=True,
        help_text=_("Shown next to the chat icon, e.g. “Chat with us”. Empty: the icon only."),
    )
    launcher_text_tr = models.CharField(_("launcher text (Turkish)"), max_length=40, blank=True)
    context_url = models.URLField(
        _("context card URL"),
        max_length=500,
        blank=True,
        validators=[context_url_validate],
        help_text=_(
            "Your server's HTTPS endpoint that answers with the contact's orders and account "
            "facts, shown to agents beside the chat (docs/integrations.md, “Context cards”)."
        ),
    )
    # White label: what the visitor sees is the host's brand, not Destek's.
    logo_url = models.URLField(
        _("logo"),
        blank=True,
        validators=[URLValidator(schemes=["https"])],
        help_text=_("An https:// address of a square image, shown in the chat's header."),
    )
    assistant_avatar_url = models.URLField(
        _("assistant's avatar"),
        blank=True,
        validators=[URLValidator(schemes=["https"])],
        help_text=_(
            "An https:// address of a square image, shown next to the assistant's messages."
        ),
    )
    assistant_name_en = models.CharField(
        _("assistant's name (English)"),
        max_length=40,
        blank=True,
        help_text=_("The name the greeting bot's messages carry. Empty: “Assistant”."),
    )
    assistant_name_tr = models.CharField(_("assistant's name (Turkish)"), max_length=40, blank=True)
    show_agent_avatars = models.BooleanField(
        _("show avatars"),
        default=True,
        help_text=_("Agents' initials (and the assistant's avatar) next to their messages."),
    )
    show_powered_by = models.BooleanField(_("show “Powered by Destek”"), default=True)
    follow_dark_mode = models.BooleanField(
        _("dark mode"),
        default=True,
        help_text=_("Dark colours when the visitor's device or browser prefers them."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("widget")
        verbose_name_plural = _("widgets")

    def __str__(self) -> str:
        return self.name

    def greeting_for(self, language: str | None) -> str:
        return self.greeting_tr if language_code(language) == "tr" else self.greeting_en

    def assistant_name_for(self, language: str | None) -> str:
        return text_in_language(language, en=self.assistant_name_en, tr=self.assistant_name_tr)

    def launcher_text_for(self, language: str | None) -> str:
        return text_in_language(language, en=self.launcher_text_en, tr=self.launcher_text_tr)
