"""Text folding for matching what people type in Turkish and English."""

import re
import unicodedata


def fold(text: str) -> str:
    """Lower-case without accents, so "İADE", "iade" and "ıade" match, and "sifre" "şifre".

    Python's casefold turns "İ" into "i" plus a combining dot and leaves "ı" alone, so plain
    casefold misses the commonest Turkish spellings.
    """
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("ı", "i")


SEARCH_WORD_RE = re.compile(r"[a-z0-9]+")


def search_words(*parts: str) -> str:
    """The folded words of `parts` for search columns: " sifremi unuttum 123".

    Only [a-z0-9] words, space-separated, with a leading space, so that a LIKE "% term%"
    matches at word starts where there is no full-text engine (SQLite), and PostgreSQL's
    "simple" parser splits it into the same words.
    """
    words = SEARCH_WORD_RE.findall(fold(" ".join(part for part in parts if part)))
    return " " + " ".join(words) if words else ""
