"""The public help centre, /help/: no login, a few constant queries per page, no JavaScript.

The page language is `?lang=en|tr` when given, else the request's language (LocaleMiddleware);
an article page speaks its article's language.
"""

import re
import secrets

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_POST

from support import errors

from . import selectors, services
from .models import language_of

MAX_QUERY_CHARS = 200
VOTER_COOKIE = "destek_help_voter"
VOTER_COOKIE_MAX_AGE = 60 * 60 * 24 * 365
VOTER_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _page_language(request) -> str:
    requested = request.GET.get("lang", "")
    if requested in ("en", "tr"):
        return requested
    return language_of(getattr(request, "LANGUAGE_CODE", ""))


def _render(request, template: str, context: dict, *, language: str, status: int = 200):
    # The language links lead to the same page in the other language, when it has one.
    context = {"language": language, "switch_path": request.path, **context}
    with translation.override(language):
        response = render(request, template, context, status=status)
    response.headers["Content-Language"] = language
    return response


def _not_found(request, *, language: str) -> HttpResponse:
    context = {"switch_path": reverse("faq:index")}
    return _render(request, "faq/not_found.html", context, language=language, status=404)


@require_GET
def help_index(request):
    language = _page_language(request)
    context = {
        "categories": selectors.category_list_with_counts(language=language),
        "top_articles": selectors.article_list_top(language=language, limit=6),
    }
    return _render(request, "faq/index.html", context, language=language)


@require_GET
def category_detail(request, slug: str):
    language = _page_language(request)
    try:
        category = selectors.category_get(slug=slug)
    except errors.NotFound:
        return _not_found(request, language=language)
    articles = selectors.article_list_for_category(category=category, language=language)
    context = {"category": category, "articles": articles}
    return _render(request, "faq/category.html", context, language=language)


@require_GET
def article_detail(request, language: str, slug: str):
    try:
        article = selectors.article_get_published(language=language, slug=slug)
    except errors.NotFound:
        return _not_found(request, language=language)
    voted = request.GET.get("voted")
    context = {
        "article": article,
        "category": article.category,
        "related": selectors.article_list_related(article=article),
        "voted": voted if voted in ("yes", "no") else "",
        "switch_path": reverse("faq:index"),
    }
    return _render(request, "faq/article.html", context, language=language)


@require_GET
def search(request):
    language = _page_language(request)
    query = request.GET.get("q", "").strip()[:MAX_QUERY_CHARS]
    hits = selectors.article_search(query=query, language=language) if query else []
    context = {
        "query": query,
        "hits": hits,
        "other_language": bool(hits) and hits[0].article.language != language,
    }
    return _render(request, "faq/search.html", context, language=language)


def _voter_token(request) -> tuple[str, bool]:
    """This browser's random voter token, and whether it is new (to be set as a cookie)."""
    token = request.COOKIES.get(VOTER_COOKIE, "")
    if VOTER_TOKEN_RE.fullmatch(token):
        return token, False
    return secrets.token_urlsafe(24), True


@require_POST
def article_feedback(request, language: str, slug: str):
    """ "Was this helpful?": yes or no, once per browser (a second answer replaces the first)."""
    answer = request.POST.get("helpful")
    if answer not in ("yes", "no"):
        return HttpResponse("helpful must be yes or no.", status=400, content_type="text/plain")
    try:
        article = selectors.article_get_for_feedback(language=language, slug=slug)
    except errors.NotFound:
        return _not_found(request, language=language)
    token, new = _voter_token(request)
    try:
        services.article_feedback_record(
            article=article, helpful=answer == "yes", voter_key=f"b:{token}"
        )
    except errors.RateLimited as error:
        return HttpResponse(error.detail, status=429, content_type="text/plain")
    response = redirect(f"{article.get_absolute_url()}?voted={answer}#feedback")
    if new:
        response.set_cookie(
            VOTER_COOKIE,
            token,
            max_age=VOTER_COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response
