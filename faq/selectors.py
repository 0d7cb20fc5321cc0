"""Reads of the help centre: published articles, categories and ranked search.

Search, `article_search`:
- PostgreSQL: full-text search over the folded columns with the "simple" configuration
  (no language stemming: the text is already lower-case and accent-free, and Turkish
  suffixes are handled by prefix terms, see `faq.search`). Title, keywords and the whole
  text are weighted A, B and C and ranked by ts_rank. The vector is the expression of the
  GIN index `faq_article_search_vector_idx` (migration 0002), so the index serves the match.
- SQLite (and any other database): the folded text is filtered with LIKE for any term, and
  at most CANDIDATE_LIMIT candidates are ranked in Python with the same weights (3:2:1).
Both order the requested language first and keep only its rows when it has any: a search
that finds nothing in one language answers in the other, in the same single query.
"""

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from support import errors

from . import search
from .markdown import html_to_text
from .models import Article, ArticleFeedback, Category, language_of

CANDIDATE_LIMIT = 500
# ts_rank weights for D, C, B, A: text 1, keywords 2, title 3, as in the SQLite ranking.
RANK_WEIGHTS = [0.1, 0.3, 0.6, 0.9]
SEARCH_CONFIG = "simple"


@dataclass(frozen=True)
class SearchHit:
    article: Article
    rank: float
    snippet: str


def search_vector() -> SearchVector:
    """The weighted document of an article; the GIN index holds exactly this expression."""
    return (
        SearchVector("search_title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("search_keywords", weight="B", config=SEARCH_CONFIG)
        + SearchVector("search_text", weight="C", config=SEARCH_CONFIG)
    )


def _published(*, topic_slug: str | None = None) -> QuerySet[Article]:
    articles = Article.objects.filter(is_published=True)
    if topic_slug:
        articles = articles.filter(topic__slug=topic_slug)
    return articles.select_related("category")


def _language_first(language: str) -> Case:
    """0 for articles in `language`, 1 for the other: sorts the wanted language first."""
    return Case(When(language=language, then=Value(0)), default=Value(1))


def _in_one_language(articles: list, *, language: str, key=lambda item: item) -> list:
    """Rows sorted wanted-language-first: keep only those when there are any, else the rest."""
    wanted = [item for item in articles if key(item).language == language]
    return wanted or articles


def article_search(
    *, query: str, language: str, topic_slug: str | None = None, limit: int = 10
) -> list[SearchHit]:
    """Published articles matching `query`, best first, each with a snippet. One query.

    In `language` ("en"/"tr"; other values mean English), or in the other language when
    nothing matches there; never a mix. Optionally only articles of one support topic.
    """
    terms = search.query_terms(query)
    if not terms or limit < 1:
        return []
    language = language_of(language)
    articles = _published(topic_slug=topic_slug)
    if connection.vendor == "postgresql":
        ranked = _ranked_postgresql(articles, terms=terms, language=language, limit=limit)
    else:
        ranked = _ranked_in_python(articles, terms=terms, language=language, limit=limit)
    ranked = _in_one_language(ranked, language=language, key=lambda pair: pair[0])
    return [
        SearchHit(
            article=article,
            rank=rank,
            snippet=search.snippet(
                text=html_to_text(article.body_html), summary=article.summary, terms=terms
            ),
        )
        for article, rank in ranked
    ]


def _ranked_postgresql(
    articles: QuerySet[Article], *, terms: list[search.Term], language: str, limit: int
) -> list[tuple[Article, float]]:
    # Raw tsquery syntax is safe here: query_terms() leaves only [a-z0-9] words.
    query = SearchQuery(search.tsquery(terms), search_type="raw", config=SEARCH_CONFIG)
    vector = search_vector()
    found = (
        articles.alias(document=vector, language_rank=_language_first(language))
        .filter(document=query)
        .annotate(rank=SearchRank(vector, query, weights=RANK_WEIGHTS))
        .defer("body_markdown", "search_title", "search_keywords", "search_text")
        .order_by("language_rank", "-rank", "order", "pk")[:limit]
    )
    return [(article, float(article.rank)) for article in found]


def _ranked_in_python(
    articles: QuerySet[Article], *, terms: list[search.Term], language: str, limit: int
) -> list[tuple[Article, float]]:
    # search_text holds title and keywords too, so it alone decides candidacy; stems are
    # prefixes of their words, so "contains stem" covers both variants.
    any_term = Q()
    for term in terms:
        any_term |= Q(search_text__contains=term.stem or term.word)
    candidates = (
        articles.filter(any_term)
        .alias(language_rank=_language_first(language))
        .defer("body_markdown")
        .order_by("language_rank", "order", "pk")
    )
    scored = []
    for article in candidates[:CANDIDATE_LIMIT]:
        points = search.score(
            title=article.search_title,
            keywords=article.search_keywords,
            text=article.search_text,
            terms=terms,
        )
        if points > 0:
            scored.append((article, points))
    # Stable sort: equal scores keep the admin's order.
    scored.sort(key=lambda pair: (pair[0].language != language, -pair[1]))
    return scored[:limit]


def article_list_top(
    *, language: str, topic_slug: str | None = None, limit: int = 5
) -> list[Article]:
    """The first published articles by the admin's order, in `language` or, when it has
    none, in the other. One query."""
    language = language_of(language)
    found = list(
        _published(topic_slug=topic_slug)
        .alias(language_rank=_language_first(language))
        .defer("body_markdown", "body_html", "search_title", "search_keywords", "search_text")
        .order_by("language_rank", "order", "pk")[:limit]
    )
    return _in_one_language(found, language=language)


def article_suggestions(
    *, query: str, language: str, topic_slug: str | None = None, limit: int = 3
) -> list[dict]:
    """Articles to offer in a chat, as {id, title, snippet, url} with a site-relative url.

    An empty query gives the top articles; a topic narrows the search first and is dropped
    when nothing in it matches.
    """
    if not (query or "").strip():
        articles = article_list_top(language=language, topic_slug=topic_slug, limit=limit)
        return [_suggestion(a, a.summary) for a in articles]
    hits = article_search(query=query, language=language, topic_slug=topic_slug, limit=limit)
    if not hits and topic_slug:
        hits = article_search(query=query, language=language, limit=limit)
    return [_suggestion(hit.article, hit.snippet) for hit in hits]


def _suggestion(article: Article, snippet: str) -> dict:
    return {
        "id": article.pk,
        "title": article.title,
        "snippet": snippet,
        "url": article.get_absolute_url(),
    }


# The help centre's pages


def category_list_with_counts(*, language: str) -> list[Category]:
    """Categories that have published articles in `language`, with `article_count`."""
    published = Q(articles__is_published=True, articles__language=language_of(language))
    return list(
        Category.objects.annotate(article_count=Count("articles", filter=published))
        .filter(article_count__gt=0)
        .order_by("order", "slug")
    )


def category_get(*, slug: str) -> Category:
    try:
        return Category.objects.get(slug=slug)
    except Category.DoesNotExist:
        raise errors.NotFound(_("No such category.")) from None


def article_list_for_category(*, category: Category, language: str) -> list[Article]:
    return list(
        Article.objects.filter(category=category, is_published=True, language=language_of(language))
        .defer("body_markdown", "body_html", "search_title", "search_keywords", "search_text")
        .order_by("order", "pk")
    )


def article_get_published(*, language: str, slug: str) -> Article:
    """A published article by its language and slug, with its category and topic."""
    try:
        return (
            Article.objects.select_related("category", "topic")
            .defer("body_markdown", "search_title", "search_keywords", "search_text")
            .get(language=language, slug=slug, is_published=True)
        )
    except Article.DoesNotExist:
        raise errors.NotFound(_("No such article.")) from None


def article_get_for_feedback(*, language: str, slug: str) -> Article:
    try:
        return Article.objects.only("pk", "language", "slug").get(
            language=language, slug=slug, is_published=True
        )
    except Article.DoesNotExist:
        raise errors.NotFound(_("No such article.")) from None


def article_list_related(*, article: Article, limit: int = 5) -> list[Article]:
    """Other published articles of the same topic (or, without one, the same category)."""
    same = Q(topic_id=article.topic_id) if article.topic_id else Q(category_id=article.category_id)
    return list(
        Article.objects.filter(same, is_published=True, language=article.language)
        .exclude(pk=article.pk)
        .defer("body_markdown", "body_html", "search_title", "search_keywords", "search_text")
        .order_by("order", "pk")[:limit]
    )


def article_get_published_by_id(article_id: int, *fields: str) -> Article:
    """A published article by id (only `fields` loaded), for the widget; NotFound otherwise."""
    article = Article.objects.filter(pk=article_id, is_published=True).only(*fields).first()
    if article is None:
        raise errors.NotFound(_("No such article."))
    return article


def article_feedback_report(
    *, since, until, topic_id: int | None = None, team_id: int | None = None, limit: int = 50
) -> dict:
    """ "Was this helpful?" votes cast (or changed) in [since, until), per article, in one query.

    Each row counts a voter's current answer once. Filtered by the article's topic (or the
    team of that topic) when asked; the most voted articles first. Two queries.
    """
    feedback = ArticleFeedback.objects.filter(updated_at__gte=since, updated_at__lt=until)
    if topic_id is not None:
        feedback = feedback.filter(article__topic_id=topic_id)
    if team_id is not None:
        feedback = feedback.filter(article__topic__team_id=team_id)
    rows = list(
        feedback.values("article_id", "article__title", "article__language")
        .annotate(
            yes=Count("id", filter=Q(helpful=True)),
            no=Count("id", filter=Q(helpful=False)),
            total=Count("id"),
        )
        .order_by("-total", "article__title", "article_id")[:limit]
    )
    articles = [
        {
            "article_id": row["article_id"],
            "title": row["article__title"],
            "language": row["article__language"],
            "yes": row["yes"],
            "no": row["no"],
            "helpful_percent": round(100 * row["yes"] / row["total"], 1),
        }
        for row in rows
    ]
    totals = feedback.aggregate(
        yes=Count("id", filter=Q(helpful=True)), no=Count("id", filter=Q(helpful=False))
    )
    return {"articles": articles, **totals}
