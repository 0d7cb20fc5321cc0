from django import template

register = template.Library()


@register.filter
def name_in(obj, language: str) -> str:
    """A category's (or topic's) name in the page language: {{ category|name_in:language }}."""
    return obj.name_for(language)
