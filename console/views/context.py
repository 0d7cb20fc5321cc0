"""The contact panel's context cards (integrations.context_cards), as a console fragment.

The panel asks for it after the page has loaded (htmx, hx-trigger=load), so a slow host never
holds the conversation up. The access check and the reads run as the console's other views do
(agent_required, conversation_get_for_agent, on the request's database thread); the host is
then called from a worker thread of its own (thread_sensitive=False), so waiting up to the
deadline for it holds no database connection.
"""

from asgiref.sync import sync_to_async
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.views.decorators.http import require_GET

from integrations import context_cards
from support import selectors
from support.models import Widget

from .access import agent_required


@agent_required
def _context_card_source(request, conversation_id: int):
    """The widget and contact to ask about, on request.context_card_source (None: the panel
    shows nothing); a response when the agent may not see the conversation."""
    conversation = selectors.conversation_get_for_agent(
        profile=request.agent, conversation_id=conversation_id
    )
    contact = conversation.contact
    request.context_card_source = None
    if contact.identified and contact.external_id:
        widget = Widget.objects.only("key", "secret", "context_url").get(pk=contact.widget_id)
        if widget.context_url:
            request.context_card_source = context_cards.CardSource(
                url=widget.context_url,
                secret=widget.secret,
                widget_key=widget.key,
                external_id=contact.external_id,
                conversation_id=conversation.pk,
            )
    return None


@require_GET
async def conversation_context_cards(request, conversation_id: int):
    refused = await sync_to_async(_context_card_source)(request, conversation_id)
    if refused is not None:
        return refused
    source = request.context_card_source
    if source is None:
        return HttpResponse("")
    result = await sync_to_async(context_cards.context_cards_get, thread_sensitive=False)(
        source=source, language=request.LANGUAGE_CODE, refresh=request.GET.get("refresh") == "1"
    )
    with translation.override(request.LANGUAGE_CODE):
        html = render_to_string(
            "console/_context_cards.html",
            {"result": result, "conversation_id": source.conversation_id},
        )
    return HttpResponse(html)
