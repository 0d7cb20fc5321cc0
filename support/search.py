"""The console's search language: matching folded words, and highlighted snippets.

Messages and contacts keep their folded words in `search_text` (`support.text.search_words`),
so "İade", "IADE" and "iade" are one word, and "sifre" finds "Şifre". A query is cut into
terms as the help centre's are (`support.text_search.query_terms`: folded, no stopwords, a
long word also tried as its first letters, for Turkish suffixes). Every term must match, each
as a word prefix:
- PostgreSQL: `search_document @@ '(iade:* | …) & (kargo:*)'`, where `search_document` is
  the stored `to_tsvector('simple', search_text)` (support.search_document) under the GIN
  indexes `message_search_document_idx` and `contact_search_document_idx`;
- SQLite (no full-text engine): `search_text LIKE '% iade%'` per term (the leading space of
  search_text makes that a word-prefix match).

Snippets are highlighted here, in Python, on the original text (ts_headline would work on the
folded copy and show "sifremi" for "Şifremi"): every piece of the text is HTML-escaped and only
the matched words are wrapped in <mark>, so a message holding markup shows as text.
"""

import re

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .text import fold
from .text_search import TERM_RE, Term, query_terms, term_tsqueries

SEARCH_CONFIG = "simple"
MAX_QUERY_CHARS = 200
WORD_RE = re.compile(r"\w+")

__all__ = ["Term", "highlight", "matching", "query_terms", "tsquery"]


def tsquery(terms: list[Term]) -> str:
    """Every term as a prefix, all required: "(sifremi:* | sifre:*) & (kargo:*)"."""
    return " & ".join(term_tsqueries(terms))


def matching(queryset: QuerySet, terms: list[Term]) -> QuerySet:
    """The rows of `queryset` whose `search_text` holds every term (each as a word prefix)."""
    if connection.vendor == "postgresql":
        query = SearchQuery(tsquery(terms), search_type="raw", config=SEARCH_CONFIG)
        return queryset.filter(search_document=query)
    condition = Q()
    for term in terms:
        # The stem is a prefix of the word: it alone decides.
        condition &= Q(search_text__contains=" " + (term.stem or term.word))
    return queryset.filter(condition)


def _word_matches(word: str, terms: list[Term]) -> bool:
    folded = "".join(TERM_RE.findall(fold(word)))
    return bool(folded) and any(folded.startswith(v) for t in terms for v in t.variants)


def highlight(text: str, terms: list[Term], *, length: int = 180) -> SafeString:
    """A passage of `text` around the first matching word, matches in <mark>, all escaped."""
    text = " ".join((text or "").split())
    words = list(WORD_RE.finditer(text))
    matched = [m for m in words if _word_matches(m.group(), terms)]
    start = 0
    if matched and matched[0].start() > length // 3:
        # Start at a word boundary a little before the first match.
        start = next(
            (m.start() for m in words if m.start() >= matched[0].start() - length // 3),
            matched[0].start(),
        )
    end = min(len(text), start + length)
    if end < len(text):
        cut = text.rfind(" ", start, end)
        end = cut if cut > start + length // 2 else end
    parts = ["…" if start > 0 else ""]
    position = start
    for match in matched:
        if match.start() < start or match.end() > end:
            continue
        parts.append(escape(text[position : match.start()]))
        parts.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    parts.append(escape(text[position:end]))
    if end < len(text):
        parts.append("…")
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped
