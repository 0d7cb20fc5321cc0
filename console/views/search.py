"""The console search page."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from support import selectors

from .. import forms
from .access import agent_required


@require_GET
@agent_required
def search(request):
    """Search messages and contacts of the conversations the agent may see."""
    form = forms.SearchForm(request.GET or None, choices=selectors.search_filter_choices())
    context = {"form": form, "agent": request.agent, "searched": False}
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        query = form.cleaned_data["q"]
        before = form.cleaned_data.get("before")
        page = selectors.message_search(
            profile=request.agent, query=query, filters=form.search_filters(), before=before
        )
        context.update(
            searched=True,
            query=query,
            page=page,
            first_page=before is None,
            # Contacts and a conversation number only head the first page.
            contacts=[] if before else selectors.contact_search(profile=request.agent, query=query),
            numbered=None
            if before
            else selectors.conversation_search_by_number(profile=request.agent, query=query),
            # An order or table: the host page's context or a pre-chat answer.
            about=[]
            if before
            else selectors.conversation_search_by_context(profile=request.agent, query=query),
            next_query=_next_page_query(request.GET, page.next_before),
        )
    return render(request, "console/search.html", context)


def _next_page_query(params, next_before: int | None) -> str:
    if next_before is None:
        return ""
    params = params.copy()
    params["before"] = str(next_before)
    return params.urlencode()
