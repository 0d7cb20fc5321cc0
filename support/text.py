"""Text folding for matching what people type in Turkish and English."""

import unicodedata


def fold(text: str) -> str:
    """Lower-case without accents, so "İADE", "iade" and "ıade" match, and "sifre" "şifre".

    Python's casefold turns "İ" into "i" plus a combining dot and leaves "ı" alone, so plain
    casefold misses the commonest Turkish spellings.
    """
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("ı", "i")
