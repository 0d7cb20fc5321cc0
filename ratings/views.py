"""The public rating page that rating links open (the rating e-mail, the WhatsApp and e-mail
prompts). The signed token is the only credential; the page speaks the customer's language."""

from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from support import errors
from support.languages import contact_language

from . import selectors, services
from .links import rating_link_conversation_id


@require_http_methods(["GET", "POST"])
def rating_link(request, token: str):
    conversation = selectors.conversation_for_rating_link(
        conversation_id=rating_link_conversation_id(token)
    )
    if conversation is None:
        # A week-old link from an e-mail is common: say so in the customer's browser language,
        # not with the server's bare "Not Found".
        return render(request, "ratings/link_invalid.html", status=404)
    with translation.override(contact_language(conversation.contact)):
        return _rating_page(request, conversation)


def _rating_page(request, conversation):
    context = {"conversation": conversation, "error": "", "saved": False}
    if request.method == "POST":
        try:
            score = int(request.POST.get("score", ""))
        except ValueError:
            score = None
        try:
            services.rating_submit(
                conversation=conversation, score=score, comment=request.POST.get("comment", "")
            )
            context["saved"] = True
        except errors.DomainError as error:
            context["error"] = error.detail
    context["rating"] = selectors.rating_for_conversation(conversation=conversation)
    status = 400 if context["error"] else 200
    return render(request, "ratings/rate.html", context, status=status)
