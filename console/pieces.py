"""Fragments printed from precompiled pieces: a template rendered once per shape of its values
(which are empty, which branch by value) with a marker in place of each value, split at the
markers, and later joined with each value printed as the template prints a variable (localized,
escaped). A live fragment goes out in each language the consoles speak, and the inbox prints
50 rows: a join instead of a template render each time. console/presenters.py says what each
fragment prints; tests compare each with its template's output.
"""

import html
import re

from django.conf import settings
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

MARK = "\x1f"
MARKED = re.compile(r"\x1f([\w.]+)\x1f")
PRINT = Context(autoescape=True)


def value_shape(values: dict, *, skip: frozenset, structural: frozenset) -> tuple:
    """Which values are empty (and the structural ones): what a template's branches read."""
    return tuple(
        (name, value if not value or name in structural else True)
        for name, value in values.items()
        if name not in skip
    )


def marked(shape: tuple) -> dict:
    return {name: f"{MARK}{name}{MARK}" if value is True else value for name, value in shape}


def split(rendered: str) -> tuple[str, ...]:
    """Literal HTML and value paths, alternating (the first and last literal)."""
    return tuple(MARKED.split(rendered))


def pieces_for(cached, *args):
    """`cached(*args)`, a fragment's pieces (an lru_cache'd function): uncached under DEBUG,
    so a template edited while the server runs shows at once."""
    return cached.__wrapped__(*args) if settings.DEBUG else cached(*args)


def printed(pieces: tuple[str, ...], value_of, printers: dict | None = None) -> str:
    out = list(pieces)
    for index in range(1, len(out), 2):
        path = out[index]
        printer = printers.get(path) if printers else None
        value = value_of(path)
        if printer:
            out[index] = printer(value)
        elif type(value) is str:
            # What the template does with a plain (not safe) string, without its checks for
            # dates, numbers and laziness (~5 µs a value).
            out[index] = html.escape(value)
        else:
            out[index] = render_value_in_context(value, PRINT)
    # The template's own output, and each value escaped as the template escapes it.
    return mark_safe("".join(out))  # noqa: S308 - every piece is escaped


def marked_labels(count: int, names: tuple[str, ...]) -> list[dict]:
    return [{name: f"{MARK}labels.{i}.{name}{MARK}" for name in names} for i in range(count)]


def labelled_html(cached, values: dict, *, skip, structural, label_value) -> str:
    """`values` printed from `cached`'s pieces for their shape; a label's value is
    `label_value(label, name)` for the path labels.<i>.<name>."""
    shape = (
        get_language(),
        value_shape(values, skip=skip, structural=structural),
        len(values["labels"]),
    )

    def value_of(path: str):
        if path.startswith("labels."):
            _labels, index, name = path.split(".")
            return label_value(values["labels"][int(index)], name)
        return values[path]

    return printed(pieces_for(cached, shape), value_of)
