"""The contact panel's name and email: shown, edited, corrected."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from support import selectors, services

from .. import forms
from .access import agent_required
from .contexts import contact_form_for, conversation_context


@require_http_methods(["GET", "POST"])
@agent_required
def contact_edit(request, conversation_id: int):
    """The contact's name and email in the panel: GET the details (`?edit=1`: the form),
    POST a correction. HTMX swaps #contact-details; without it, the page reloads."""
    conversation = selectors.conversation_get_for_agent(
        profile=request.agent, conversation_id=conversation_id
    )
    if request.method == "GET":
        if not request.htmx:
            url = reverse("console:conversation", args=[conversation.pk])
            return redirect(f"{url}?edit_contact=1" if request.GET.get("edit") else url)
        form = contact_form_for(conversation.contact) if request.GET.get("edit") else None
        return _contact_details(request, conversation, form=form)
    form = forms.ContactForm(request.POST)
    if form.is_valid():
        try:
            conversation.contact = services.contact_update(
                contact=conversation.contact,
                by_user=request.user,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
    if form.errors:
        if request.htmx:
            # 200, so htmx swaps the form in with its errors shown next to the fields.
            return _contact_details(request, conversation, form=form)
        context = conversation_context(request, conversation, contact_form=form)
        return render(request, "console/conversation.html", context, status=400)
    if request.htmx:
        return _contact_details(request, conversation, form=None)
    return redirect("console:conversation", conversation_id=conversation.pk)


def _contact_details(request, conversation, *, form):
    return render(
        request,
        "console/_contact_details.html",
        {
            "conversation": conversation,
            "contact": conversation.contact,
            "contact_form": form,
            "contact_changes": selectors.contact_change_list(contact=conversation.contact),
        },
    )
