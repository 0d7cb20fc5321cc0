"""Help-centre test data, built through faq.services like the admin does."""

import itertools

from faq import services
from faq.models import Article, Category

_seq = itertools.count(1)


def category(*, slug=None, name_en=None, name_tr=None, icon="", order=0) -> Category:
    n = next(_seq)
    return Category.objects.create(
        slug=slug or f"category-{n}",
        name_en=name_en or f"Category {n}",
        name_tr=name_tr or f"Kategori {n}",
        icon=icon,
        order=order,
    )


def article(
    *,
    category_obj=None,
    language="en",
    title=None,
    body="Some **help** text.",
    summary="",
    keywords="",
    topic=None,
    is_published=True,
    order=0,
    slug="",
) -> Article:
    return services.article_save(
        category=category_obj or category(),
        language=language,
        title=title or f"Article {next(_seq)}",
        body_markdown=body,
        summary=summary,
        keywords=keywords,
        topic=topic,
        is_published=is_published,
        order=order,
        slug=slug,
    )
