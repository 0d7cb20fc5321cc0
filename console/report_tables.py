"""The report page's tables, defined once: the HTML table and its CSV download are the same rows.

Each cell has a `value` (what the CSV holds: plain numbers, seconds, ISO dates) and a `text`
(what the page shows: "2 min 30 s", "66.7 %"). The page puts the value in `data-value`, so a
test can check the page's table against the CSV cell by cell.
"""

import csv
import io
from dataclasses import dataclass

from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from support.languages import format_duration, format_percent

from .reports import Report

TABLE_NAMES = (
    "activity",
    "heatmap",
    "times",
    "sla",
    "csat",
    "comments",
    "agents",
    "topics",
    "faq",
)


@dataclass(frozen=True)
class Cell:
    value: str
    text: str


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]


def _number(value) -> str:
    """CSV form of a figure: integers as is, others to one decimal; empty for none."""
    if value is None:
        return ""
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}"


def count(value: int) -> Cell:
    return Cell(str(value), number_format(value, force_grouping=True))


def duration(seconds: float | None) -> Cell:
    return Cell(_number(seconds), format_duration(seconds))


def percent(value: float | None) -> Cell:
    if value is None:
        return Cell("", "—")
    return Cell(_number(round(value, 1)), format_percent(value))


def average(value: float | None) -> Cell:
    if value is None:
        return Cell("", "—")
    return Cell(_number(round(value, 2)), number_format(round(value, 2), 2))


def text(value: str) -> Cell:
    return Cell(value, value)


TITLES = {
    "activity": gettext_lazy("Conversations by day"),
    "heatmap": gettext_lazy("Conversations started by hour of the week"),
    "times": gettext_lazy("Response and resolution times"),
    "sla": gettext_lazy("Response targets met, per priority"),
    "csat": gettext_lazy("Satisfaction ratings"),
    "comments": gettext_lazy("Latest comments"),
    "agents": gettext_lazy("Per agent"),
    "topics": gettext_lazy("Per topic"),
    "faq": gettext_lazy("Help article feedback"),
}


def _activity(report: Report) -> Table:
    rows = [
        [
            Cell(day["day"].isoformat(), date_format(day["day"], "D j M")),
            count(day["started"]),
            count(day["resolved"]),
            count(day["resolved_by_bot"]),
        ]
        for day in report.activity["days"]
    ]
    columns = [_("Day"), _("Started"), _("Resolved"), _("Resolved by the bot")]
    return Table("activity", str(TITLES["activity"]), columns, rows)


def _heatmap(report: Report) -> Table:
    rows = [
        [
            Cell(str(weekday + 1), str(WEEKDAYS[weekday])),
            Cell(str(hour), f"{hour:02d}:00"),
            count(n),
        ]
        for weekday, counts in enumerate(report.heatmap)
        for hour, n in enumerate(counts)
    ]
    columns = [_("Weekday"), _("Hour"), _("Started")]
    return Table("heatmap", str(TITLES["heatmap"]), columns, rows)


def _times(report: Report) -> Table:
    labels = {"first_response": _("First response"), "resolution": _("Resolution")}
    rows = [
        [
            Cell(kind, str(labels[kind])),
            count(report.times[kind]["count"]),
            duration(report.times[kind]["median"]),
            duration(report.times[kind]["p90"]),
        ]
        for kind in ("first_response", "resolution")
    ]
    columns = [_("Measure"), _("Conversations"), _("Median"), _("90th percentile")]
    return Table("times", str(TITLES["times"]), columns, rows)


def _sla(report: Report) -> Table:
    rows = [
        [
            Cell(row["priority"], str(row["label"])),
            duration(row["first_response_target_seconds"]),
            count(row["first_response_met"]),
            count(row["first_response_missed"]),
            percent(row["first_response_percent"]),
            duration(row["resolution_target_seconds"]),
            count(row["resolution_met"]),
            count(row["resolution_missed"]),
            percent(row["resolution_percent"]),
        ]
        for row in report.sla
    ]
    columns = [
        _("Priority"),
        _("First reply target"),
        _("In time"),
        _("Late"),
        _("Share in time"),
        _("Resolution target"),
        _("In time"),
        _("Late"),
        _("Share in time"),
    ]
    return Table("sla", str(TITLES["sla"]), columns, rows)


def _csat(report: Report) -> Table:
    total = sum(row["count"] for row in report.csat["distribution"])
    rows = [
        [
            Cell(str(row["score"]), "★" * row["score"]),
            count(row["count"]),
            percent(100 * row["count"] / total if total else None),
        ]
        for row in report.csat["distribution"]
    ]
    return Table("csat", str(TITLES["csat"]), [_("Score"), _("Ratings"), _("Share")], rows)


def _comments(report: Report) -> Table:
    tz = report.filters.time_zone
    rows = [
        [
            Cell(
                rating.updated_at.astimezone(tz).isoformat(),
                date_format(rating.updated_at.astimezone(tz), "j M H:i"),
            ),
            Cell(str(rating.score), rating.stars),
            text(rating.comment),
            Cell(str(rating.conversation_id), f"#{rating.conversation_id}"),
        ]
        for rating in report.comments
    ]
    columns = [_("When"), _("Score"), _("Comment"), _("Conversation")]
    return Table("comments", str(TITLES["comments"]), columns, rows)


def _agents(report: Report) -> Table:
    rows = [
        [
            text(agent["name"]),
            count(agent["handled"]),
            count(agent["resolved"]),
            duration(agent["first_response_median"]),
            average(agent["csat_average"]),
            count(agent["ratings"]),
        ]
        for agent in report.agents
    ]
    columns = [
        _("Agent"),
        _("Handled"),
        _("Resolved"),
        _("Median first response"),
        _("CSAT"),
        _("Ratings"),
    ]
    return Table("agents", str(TITLES["agents"]), columns, rows)


def _topics(report: Report) -> Table:
    rows = [
        [
            text(topic["name"] or _("No topic")),
            count(topic["volume"]),
            duration(topic["first_response_median"]),
            duration(topic["resolution_median"]),
            average(topic["csat_average"]),
            count(topic["ratings"]),
        ]
        for topic in report.topics
    ]
    columns = [
        _("Topic"),
        _("Conversations"),
        _("Median first response"),
        _("Median resolution"),
        _("CSAT"),
        _("Ratings"),
    ]
    return Table("topics", str(TITLES["topics"]), columns, rows)


def _faq(report: Report) -> Table:
    articles = report.faq["articles"] if report.faq else []
    rows = [
        [
            text(article["title"]),
            text(article["language"]),
            count(article["yes"]),
            count(article["no"]),
            percent(article["helpful_percent"]),
        ]
        for article in articles
    ]
    columns = [_("Article"), _("Language"), _("Helpful"), _("Not helpful"), _("Share helpful")]
    return Table("faq", str(TITLES["faq"]), columns, rows)


BUILDERS = {
    "activity": _activity,
    "heatmap": _heatmap,
    "times": _times,
    "sla": _sla,
    "csat": _csat,
    "comments": _comments,
    "agents": _agents,
    "topics": _topics,
    "faq": _faq,
}


def report_tables(report: Report) -> dict[str, Table]:
    """Every table of the page by name (FAQ feedback only when the report has it)."""
    return {
        name: BUILDERS[name](report)
        for name in TABLE_NAMES
        if name != "faq" or report.faq is not None
    }


def _csv_safe(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: quote them (comments)."""
    if value and value[0] in "=+-@\t\r" and not _is_number(value):
        return "'" + value
    return value


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_csv_safe(cell.value) for cell in row])
    return out.getvalue()
