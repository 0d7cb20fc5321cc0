"""The search language of the help centre: the PostgreSQL tsquery, the weighted score used
where there is no full-text engine (SQLite), and result snippets.

The query terms are the console search's (`support.text_search.query_terms`): folded, so
"Şifre", "ŞİFRE" and "sifre" are one word; each matches as a word prefix, and a long word is
also tried as its stem, for Turkish suffixes. Here a stem-only hit counts half.
"""

from support.text import fold
from support.text_search import MAX_TERMS, TERM_RE, Term, query_terms, term_tsqueries

# Weights per field: title, keywords, whole text (which holds the body).
TITLE_WEIGHT, KEYWORDS_WEIGHT, TEXT_WEIGHT = 3, 2, 1

__all__ = ["MAX_TERMS", "Term", "query_terms", "score", "snippet", "tsquery"]


def tsquery(terms: list[Term]) -> str:
    """A PostgreSQL tsquery OR-ing every variant as a prefix: "(sifremi:* | sifre:*) | …"."""
    return " | ".join(term_tsqueries(terms))


def words_of(folded_text: str) -> list[str]:
    return TERM_RE.findall(folded_text or "")


def _field_hit(words: list[str], term: Term) -> float:
    if any(w.startswith(term.word) for w in words):
        return 1.0
    if term.stem and any(w.startswith(term.stem) for w in words):
        return 0.5
    return 0.0


def score(*, title: str, keywords: str, text: str, terms: list[Term]) -> float:
    """Weighted hits of the terms in folded title, keywords and text (0: no match)."""
    fields = (
        (words_of(title), TITLE_WEIGHT),
        (words_of(keywords), KEYWORDS_WEIGHT),
        (words_of(text), TEXT_WEIGHT),
    )
    return sum(weight * _field_hit(words, term) for term in terms for words, weight in fields)


def _matches(word: str, terms: list[Term]) -> bool:
    folded = "".join(words_of(fold(word)))
    return bool(folded) and any(folded.startswith(v) for t in terms for v in t.variants)


def snippet(*, text: str, summary: str, terms: list[Term], length: int = 160) -> str:
    """A short passage for a result: the first line that holds a term, else the summary."""
    for line in (text or "").splitlines():
        words = line.split()
        for index, word in enumerate(words):
            if _matches(word, terms):
                return _window(words, index, length)
    if summary:
        return summary
    first = (text or "").splitlines()[:1]
    return _window(first[0].split(), 0, length) if first else ""


def _window(words: list[str], index: int, length: int) -> str:
    start = max(0, index - 6)
    start = 0 if start <= 2 else start  # no "…" for two skipped words
    picked: list[str] = []
    for word in words[start:]:
        if picked and len(" ".join([*picked, word])) > length:
            break
        picked.append(word)
    text = " ".join(picked)
    if start > 0:
        text = "…" + text
    if start + len(picked) < len(words):
        text = text.rstrip(",;:.") + "…"
    return text
