"""Chart geometry for the report page: plain numbers the templates draw as SVG.

No JavaScript and no chart library: each function turns a report's figures into coordinates,
labels and colour levels; `templates/console/reports/_chart_*.html` writes the
`<svg>` with a `<title>`, a `<desc>` and a `<title>` per mark (what a screen reader or a
hover shows). Colours come from classes in static/console/reports.css.
"""

import math

from django.utils.dates import WEEKDAYS_ABBR
from django.utils.formats import date_format
from django.utils.translation import gettext as _


def nice_ceiling(value: float) -> int:
    """A round axis maximum at or above value: 1, 2, 5, 10, 20, 50, …"""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return int(10 * magnitude)


def activity_chart(days: list[dict], *, width: int = 720, height: int = 240) -> dict:
    """Bars: conversations started per day; lines: resolved, and resolved by the bot."""
    left, right, top, bottom = 40, 12, 12, 34
    plot_width, plot_height = width - left - right, height - top - bottom
    count = max(1, len(days))
    top_value = nice_ceiling(max([1] + [max(day["started"], day["resolved"]) for day in days]))
    slot = plot_width / count
    bar_width = max(1.0, slot * 0.6)

    def y(value: float) -> float:
        return round(top + plot_height - plot_height * value / top_value, 1)

    label_every = max(1, math.ceil(count / 10))
    bars, resolved, by_bot, labels = [], [], [], []
    for index, day in enumerate(days):
        centre = left + slot * index + slot / 2
        day_text = date_format(day["day"], "j M")
        bars.append(
            {
                "x": round(centre - bar_width / 2, 1),
                "y": y(day["started"]),
                "width": round(bar_width, 1),
                "height": round(plot_height * day["started"] / top_value, 1),
                "title": _("%(day)s: %(count)s started")
                % {"day": day_text, "count": day["started"]},
            }
        )
        resolved.append(
            {
                "x": round(centre, 1),
                "y": y(day["resolved"]),
                "title": _("%(day)s: %(count)s resolved")
                % {"day": day_text, "count": day["resolved"]},
            }
        )
        by_bot.append(
            {
                "x": round(centre, 1),
                "y": y(day["resolved_by_bot"]),
                "title": _("%(day)s: %(count)s resolved by the bot")
                % {"day": day_text, "count": day["resolved_by_bot"]},
            }
        )
        if index % label_every == 0:
            labels.append({"x": round(centre, 1), "text": day_text})
    ticks = [
        {"y": y(value), "text": value}
        for value in sorted({0, top_value // 2, top_value})
        if value == 0 or value == top_value or top_value % 2 == 0
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "baseline": y(0),
        "label_y": height - bottom + 16,
        "bars": bars,
        "resolved": resolved,
        "resolved_points": " ".join(f"{p['x']},{p['y']}" for p in resolved),
        "by_bot": by_bot,
        "by_bot_points": " ".join(f"{p['x']},{p['y']}" for p in by_bot),
        "labels": labels,
        "ticks": ticks,
    }


def heatmap_chart(grid: list[list[int]], *, cell: int = 24, gap: int = 2) -> dict:
    """Started per weekday × hour: cells coloured by level 0 (none) … 5 (the busiest hour)."""
    left, top = 44, 20
    busiest = max([0] + [count for row in grid for count in row])
    rows = []
    for weekday, counts in enumerate(grid):
        name = str(WEEKDAYS_ABBR[weekday])
        y = top + weekday * (cell + gap)
        cells = []
        for hour, count in enumerate(counts):
            level = 0 if not count else max(1, math.ceil(5 * count / busiest))
            cells.append(
                {
                    "x": left + hour * (cell + gap),
                    "y": y,
                    "level": level,
                    "title": _("%(weekday)s %(hour)02d:00: %(count)s started")
                    % {"weekday": name, "hour": hour, "count": count},
                }
            )
        rows.append({"name": name, "y": y + cell / 2 + 4, "cells": cells})
    hours = [
        {"x": left + hour * (cell + gap) + cell / 2, "text": f"{hour:02d}"}
        for hour in range(0, 24, 3)
    ]
    return {
        "width": left + 24 * (cell + gap),
        "height": top + 7 * (cell + gap),
        "cell": cell,
        "rows": rows,
        "hours": hours,
        "busiest": busiest,
        "label_x": left - 6,
    }


def distribution_chart(distribution: list[dict], *, width: int = 360) -> dict:
    """CSAT: one horizontal bar per score, 5 stars at the top."""
    left, bar_height, gap = 36, 22, 6
    total = sum(row["count"] for row in distribution)
    longest = max([1] + [row["count"] for row in distribution])
    plot_width = width - left - 60
    bars = []
    for index, row in enumerate(distribution):
        percent = 100 * row["count"] / total if total else 0
        bar_width = round(plot_width * row["count"] / longest, 1)
        y = index * (bar_height + gap)
        bars.append(
            {
                "score": row["score"],
                "y": y,
                "text_y": y + bar_height / 2 + 4,
                "width": bar_width,
                "value_x": left + bar_width + 6,
                "count": row["count"],
                "percent": round(percent),
                "title": _("%(score)s stars: %(count)s ratings")
                % {"score": row["score"], "count": row["count"]},
            }
        )
    return {
        "width": width,
        "height": len(distribution) * (bar_height + gap),
        "left": left,
        "bar_height": bar_height,
        "bars": bars,
    }
