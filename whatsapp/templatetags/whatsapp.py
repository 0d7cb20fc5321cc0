"""The console's composer for a WhatsApp conversation whose reply window closed: the notice
and the approved templates (console/conversation.html includes it)."""

from django import template

from whatsapp import services

register = template.Library()


@register.inclusion_tag("whatsapp/_reply_window.html")
def reply_window_templates(conversation):
    templates = services.templates_for(conversation=conversation)
    return {
        "conversation": conversation,
        "templates": [
            {"template": t, "blanks": range(1, t.placeholder_count + 1)} for t in templates
        ],
    }
