"""Search terms of what someone typed, one rule for the console search (support.search) and
the help centre (faq.search).

Everything is matched on folded text (`support.text.fold`): "Şifre", "ŞİFRE" and "sifre" are
one word. Turkish adds suffixes ("şifre" → "şifremi", "şifreniz"), so every term matches as a
word prefix, and a term longer than STEM_LENGTH letters is also tried cut to that length
("unuttum" → "unutt", "bildirimler" → "bildi").
"""

import re
from dataclasses import dataclass

from .text import fold

TERM_RE = re.compile(r"[a-z0-9]+")
STEM_LENGTH = 5
MAX_TERMS = 8
_ENGLISH_STOPWORDS = """a an and are at be but by can cant do does for from have how i im in is it
its me my no not of on or so the this to was what when where why will with you your"""
_TURKISH_STOPWORDS = """acaba ama bana ben beni benim bir bu da daha de diye en gibi hala hic icin
ile ise ki mi mu ne neden nasil o olarak sey su ve veya ya"""  # folded
STOPWORDS = frozenset(_ENGLISH_STOPWORDS.split()) | frozenset(_TURKISH_STOPWORDS.split())


@dataclass(frozen=True)
class Term:
    word: str
    stem: str  # "" when the word is short enough to be its own stem

    @property
    def variants(self) -> tuple[str, ...]:
        return (self.word, self.stem) if self.stem else (self.word,)


def query_terms(query: str) -> list[Term]:
    """The search terms of what someone typed: folded, [a-z0-9] only, no stopwords."""
    words = list(dict.fromkeys(w for w in TERM_RE.findall(fold(query or "")) if len(w) > 1))
    meaningful = [w for w in words if w not in STOPWORDS] or words
    return [
        Term(word=w, stem=w[:STEM_LENGTH] if len(w) > STEM_LENGTH else "")
        for w in meaningful[:MAX_TERMS]
    ]


def term_tsqueries(terms: list[Term]) -> list[str]:
    """Each term as a PostgreSQL tsquery of its variants as prefixes: "(sifremi:* | sifre:*)".

    Safe to pass as a raw query: only variants matching TERM_RE ([a-z0-9]) go in.
    """
    parts = []
    for term in terms:
        variants = [v for v in term.variants if TERM_RE.fullmatch(v)]
        if variants:
            parts.append("(" + " | ".join(f"{v}:*" for v in variants) + ")")
    return parts
