"""Help articles for the demo, in English and Turkish. `seed_help_articles()` (the ten problems
people most often bring to support) and `seed_cafe_articles()` (the demo café's own) are
idempotent: one article per slug and language, updated in place.

The articles themselves are files, one per problem with both languages, under
faq/articles/<set>/ (the file name's number is the order):

    category: <category slug>
    topic: <support topic slug>

    === en
    slug: …
    title: …
    summary: …
    keywords: …

    <Markdown body>
    === tr
    …
"""

import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from support.models import Topic

from . import services
from .models import Article, Category

ARTICLES_DIR = Path(__file__).resolve().parent / "articles"

CATEGORIES = [
    # slug, English, Turkish, icon
    ("account", "Account & sign-in", "Hesap ve giriş", "user"),
    ("orders", "Orders & bills", "Sipariş ve adisyon", "bag"),
    ("payments", "Payments & invoices", "Ödeme ve faturalar", "card"),
    ("menu", "Menu & QR menu", "Menü ve QR menü", "menu"),
    ("app", "App & notifications", "Uygulama ve bildirimler", "bell"),
]

CAFE_CATEGORIES = [
    ("cafe-menu", "Menu & allergens", "Menü ve alerjenler", "menu"),
    ("cafe-orders", "Orders & delivery", "Sipariş ve teslimat", "bag"),
    ("cafe-paying", "Paying & refunds", "Ödeme ve iade", "card"),
    ("cafe-loyalty", "Account & loyalty card", "Hesap ve sadakat kartı", "user"),
]


@dataclass(frozen=True)
class Text:
    slug: str
    title: str
    summary: str
    keywords: str
    body: str


@dataclass(frozen=True)
class Problem:
    category: str
    topic: str
    en: Text
    tr: Text


LANGUAGE_LINE = re.compile(r"^=== (en|tr)$", re.MULTILINE)


def _fields(block: str) -> tuple[dict[str, str], str]:
    """The `name: value` lines up to the first blank line, and what follows them."""
    head, _, rest = block.partition("\n\n")
    fields = {}
    for line in head.splitlines():
        name, sep, value = line.partition(": ")
        if not sep:
            raise ValueError(f"Expected 'name: value', got {line!r}.")
        fields[name] = value
    return fields, rest


def problem_read(path: Path) -> Problem:
    parts = LANGUAGE_LINE.split(path.read_text(encoding="utf-8"))
    # [head, "en", en block, "tr", tr block]
    if len(parts) != 5 or parts[1:4:2] != ["en", "tr"]:
        raise ValueError(f"{path}: expected an '=== en' and then an '=== tr' section.")
    head, _ = _fields(parts[0].strip("\n"))
    texts = {}
    for language, block in zip(parts[1::2], parts[2::2], strict=True):
        fields, body = _fields(block.lstrip("\n"))
        texts[language] = Text(body=body.rstrip("\n") + "\n", **fields)
    return Problem(category=head["category"], topic=head["topic"], **texts)


def problems_read(name: str) -> list[Problem]:
    """The problems of one set (faq/articles/<name>/), in their files' order."""
    return [problem_read(path) for path in sorted((ARTICLES_DIR / name).glob("*.md"))]


BLOCK_START = re.compile(r"(#|[-*] |\d+\. |>|\|)")


def unwrap(markdown: str) -> str:
    """Join the lines wrapped in the article files, so editors see one line per paragraph or
    item."""
    lines: list[str] = []
    for line in markdown.splitlines():
        continues = lines and lines[-1].strip() and line.strip()
        if continues and (line.startswith(" ") or not BLOCK_START.match(line)):
            lines[-1] = f"{lines[-1]} {line.strip()}"
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


@transaction.atomic
def seed_help_articles() -> list[Article]:
    """Load the help centre's categories and articles (safe to run again; updates in place).

    Articles are linked to the support topics with the same slugs when those exist.
    """
    return _seed(categories=CATEGORIES, problems=problems_read("help"))


@transaction.atomic
def seed_cafe_articles() -> list[Article]:
    """The demo café's own articles (faq/articles/cafe/), the only ones the demo publishes:
    another help set seeded into the same database earlier (seed_help) is unpublished."""
    saved = _seed(categories=CAFE_CATEGORIES, problems=problems_read("cafe"))
    help_slugs = [
        text.slug for problem in problems_read("help") for text in (problem.en, problem.tr)
    ]
    Article.objects.filter(is_published=True).exclude(pk__in=[a.pk for a in saved]).filter(
        slug__in=help_slugs
    ).update(is_published=False)
    return saved


def _seed(*, categories: list[tuple], problems: list[Problem]) -> list[Article]:
    by_slug = {}
    for order, (slug, name_en, name_tr, icon) in enumerate(categories):
        by_slug[slug], _created = Category.objects.update_or_create(
            slug=slug,
            defaults={"name_en": name_en, "name_tr": name_tr, "icon": icon, "order": order},
        )
    topics = {t.slug: t for t in Topic.objects.filter(slug__in={p.topic for p in problems})}
    saved = []
    for order, problem in enumerate(problems, start=1):
        for language, text in (("en", problem.en), ("tr", problem.tr)):
            existing = Article.objects.filter(language=language, slug=text.slug).first()
            saved.append(
                services.article_save(
                    article=existing,
                    category=by_slug[problem.category],
                    topic=topics.get(problem.topic),
                    language=language,
                    title=text.title,
                    slug=text.slug,
                    summary=text.summary,
                    keywords=text.keywords,
                    body_markdown=unwrap(text.body),
                    is_published=True,
                    order=order,
                )
            )
    return saved
