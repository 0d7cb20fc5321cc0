"""Which language a visitor reads: the one rule for every visitor-facing text (bot lines,
system lines, e-mails, transcripts, rating prompts). Destek speaks Turkish and English."""


def language_code(value) -> str:
    """The supported language of a locale string: "tr", "tr-TR", "TR_tr" → "tr"; else "en"."""
    return "tr" if isinstance(value, str) and value.strip().lower().startswith("tr") else "en"


def contact_language(contact) -> str:
    """The contact's language: their locale, else their device's (a session may name only
    the device's), else English."""
    return language_code(contact.locale or (contact.device or {}).get("locale") or "")
