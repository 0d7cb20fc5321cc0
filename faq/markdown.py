"""Markdown → sanitised HTML for help articles, and HTML → plain text for search and snippets.

markdown-it-py renders CommonMark with tables (raw HTML passes through the parser), then
nh3 (the Ammonia sanitiser) keeps only an allowlist, whatever the Markdown contained. The
sanitiser is the safety boundary: every body shown on a page went through `render()`.
"""

from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "code",
    "pre",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "blockquote",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt"}, "ol": {"start"}}
# Dropped together with everything inside them, not just their tags.
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template"}
LINK_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener"

_markdown = MarkdownIt("commonmark", {"html": True, "breaks": False}).enable("table")


def _clamp_headings(tokens) -> None:
    """An article's title is its page's h1: body headings become h2–h4."""
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(max(int(token.tag[1]), 2), 4)
            token.tag = f"h{level}"


def _scheme(url: str) -> str | None:
    """The URL's scheme in lower case; None for a relative URL."""
    cleaned = "".join(ch for ch in url if ch > " ")  # browsers ignore controls and spaces
    if cleaned.startswith("//"):
        return "//"
    try:
        scheme = urlsplit(cleaned).scheme
    except ValueError:
        return "invalid"
    return scheme.lower() or None


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        scheme = _scheme(value)
        return value if scheme is None or scheme in LINK_SCHEMES else None
    if tag == "img" and attribute == "src":
        # Images only from https or this site: no tracking pixels over http, no data: URLs.
        return value if _scheme(value) in (None, "https") else None
    return value


def sanitise(html: str) -> str:
    """Keep only the allowlisted tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=LINK_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render(markdown_text: str) -> str:
    """Markdown → safe HTML."""
    tokens = _markdown.parse(markdown_text or "")
    _clamp_headings(tokens)
    return sanitise(_markdown.renderer.render(tokens, _markdown.options, {}))


class _TextExtractor(HTMLParser):
    BLOCKS = {"p", "br", "h2", "h3", "h4", "li", "pre", "tr", "td", "th", "blockquote", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        # Line breaks inside a paragraph are soft: only blocks start new lines.
        self.parts.append(data.replace("\n", " "))


def html_to_text(html: str) -> str:
    """The readable text of (sanitised) HTML: blocks on their own lines, spaces collapsed."""
    extractor = _TextExtractor()
    extractor.feed(html or "")
    extractor.close()
    lines = (" ".join(line.split()) for line in unescape("".join(extractor.parts)).splitlines())
    return "\n".join(line for line in lines if line)
