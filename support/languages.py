"""Which language an agent's console speaks: one rule for its pages and its socket.

The agent's choice (AgentProfile.language) wins; without one, the browser's: the language
cookie, then Accept-Language, as Django's LocaleMiddleware reads them for the pages.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header


def supported_language(code: str | None) -> str | None:
    """`tr-TR` → `tr`; None for a language the product does not speak."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
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
