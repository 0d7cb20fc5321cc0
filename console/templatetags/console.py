"""`{% load console %}`: the console's tags and filters. Thin: the values they print are worked
out in console.presenters and console.timeline."""

from django import template

from console import presenters, timeline
from support.languages import format_percent

register = template.Library()

register.simple_tag(presenters.inbox_row_html)
register.filter("timeline_items", timeline.timeline_items)


@register.filter
def percent(value, decimal_pos: int = 1) -> str:
    """`{{ 42.86|percent }}` → "42.9%" ("%42,9" in Turkish); "" for no value."""
    if value is None or value == "":
        return ""
    return format_percent(float(value), int(decimal_pos))
