"""The inbox: the page, its rows (the conversation page's inbox pane) and its tab counts."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from support import selectors

from .access import agent_required
from .contexts import inbox_context, inbox_filters, inbox_selector_filters


@require_GET
@agent_required
def inbox(request):
    if request.htmx and request.htmx.target == "inbox-list":
        # The rows alone, for the conversation page's inbox pane (see conversation_context).
        filters = inbox_filters(request)
        conversations = selectors.conversation_list_for_inbox(
            profile=request.agent, **inbox_selector_filters(filters)
        )
        return render(request, "console/_inbox_rows.html", {"conversations": conversations})
    return render(request, "console/inbox.html", inbox_context(request))


@require_GET
@agent_required
def inbox_counts(request):
    return render(
        request,
        "console/_inbox_counts.html",
        {"counts": selectors.inbox_counts(profile=request.agent), **inbox_filters(request)},
    )
