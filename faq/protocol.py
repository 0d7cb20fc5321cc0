"""Help articles as the widget protocol shows them (`GET faq`, the session's `faq` list)."""

from django.http import HttpRequest

from . import selectors
from .models import Article
from .selectors import SearchHit

MAX_QUERY_CHARS = 200


def article_url(article: Article, *, request: HttpRequest) -> str:
    """The article's public page as an absolute URL, so any client can open it."""
    return request.build_absolute_uri(article.get_absolute_url())


def article_link(article: Article, *, request: HttpRequest) -> dict:
    return {"id": article.pk, "title": article.title, "url": article_url(article, request=request)}


def article_result(hit: SearchHit, *, request: HttpRequest) -> dict:
    return {**article_link(hit.article, request=request), "snippet": hit.snippet}


def article_top_result(article: Article, *, request: HttpRequest) -> dict:
    return {**article_link(article, request=request), "snippet": article.summary}


def search_results(
    *, request: HttpRequest, query: str, language: str, topic_slug: str | None = None
) -> list[dict]:
    """`GET faq`: the best matches for `query`, or the top articles when it is empty."""
    if query.strip():
        hits = selectors.article_search(query=query, language=language, topic_slug=topic_slug)
        return [article_result(hit, request=request) for hit in hits]
    articles = selectors.article_list_top(language=language, topic_slug=topic_slug, limit=10)
    return [article_top_result(article, request=request) for article in articles]
