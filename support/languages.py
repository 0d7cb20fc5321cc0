"""Which language a person reads: one rule for a visitor (every visitor-facing text: bot and
system lines, e-mails, transcripts, rating prompts) and one for an agent's console (its pages
and its socket); and how each language writes what Django's formats do not cover (a
percentage, a duration). Destek speaks Turkish and English.

An agent's choice (AgentProfile.language) wins; without one, the browser's: the language
cookie, then Accept-Language, as Django's LocaleMiddleware reads them for the pages.
"""

from django.conf import settings
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header


def supported_language(code) -> str | None:
    """`tr-TR`, `TR_tr`, ` tr` → `tr`; None for a language the product does not speak (or
    for anything that is not a locale string)."""
    if not isinstance(code, str) or not code.strip():
        return None
    try:
        return translation.get_supported_language_variant(code.strip().replace("_", "-").lower())
    except LookupError:
        return None


def browser_language(*, cookie: str | None, accept_language: str | None) -> str:
    """The language a browser asks for, as LocaleMiddleware decides it for a page."""
    chosen = supported_language(cookie)
    if chosen:
        return chosen
    for code, _quality in parse_accept_lang_header(accept_language or ""):
        if code != "*" and (chosen := supported_language(code)):
            return chosen
    return settings.LANGUAGE_CODE


def agent_language(*, profile, browser: str) -> str:
    """The console's language for this agent: their setting, else the browser's."""
    return supported_language(profile.language) or browser


def format_percent(value: float, decimal_pos: int = 1) -> str:
    """A percentage in the active language: "42.9%" in English, "%42,9" in Turkish (the sign
    goes first there). Every percentage the console shows goes through here."""
    number = number_format(round(value, decimal_pos), decimal_pos)
    # Translators: a percentage. Turkish puts the sign before the number: "%%%(number)s".
    return _("%(number)s%%") % {"number": number}


def format_duration(seconds: float | None) -> str:
    """45 s · 2 min 30 s · 3 h 05 min · 2 d 4 h; an em dash when there is nothing."""
    if seconds is None:
        return "—"
    seconds = round(seconds)
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        if not secs:
            return _("%(m)d min") % {"m": minutes}
        return _("%(m)d min %(s)02d s") % {"m": minutes, "s": secs}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        if not minutes:
            return _("%(h)d h") % {"h": hours}
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    if not hours:
        return _("%(d)d d") % {"d": days}
    return _("%(d)d d %(h)d h") % {"d": days, "h": hours}


def site_language() -> str:
    """The site's language (DESTEK_LANGUAGE): what a channel account speaks until set."""
    return settings.LANGUAGE_CODE


def language_code(value) -> str:
    """The supported language of a locale string: "tr", "tr-TR", "TR_tr" → "tr"; else the
    site's."""
    return supported_language(value) or settings.LANGUAGE_CODE


def text_in_language(language, *, en: str, tr: str) -> str:
    """Of a text kept in both languages (a model's `x_en` and optional `x_tr`): the Turkish
    for a Turkish reader when there is one, else the English."""
    return tr if tr and language_code(language) == "tr" else en


def contact_language(contact) -> str:
    """The contact's language: their locale, else their device's (a session may name only
    the device's), else the site's."""
    return language_code(contact.locale or (contact.device or {}).get("locale") or "")


def contact_language_known(contact) -> bool:
    """Whether the contact named a language (theirs or their device's): a channel account's
    language never replaces it."""
    return bool(contact.locale or (contact.device or {}).get("locale"))
