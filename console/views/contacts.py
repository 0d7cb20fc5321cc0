"""Contacts: the list (search and filters), a contact's page (details, attributes, every
conversation across channels, merge for supervisors), and the custom attributes of the
conversation page's contact panel."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from support import errors, selectors, services
from support.edge import row_id
from support.models import AttributeDefinition

from .access import agent_required, supervisor_required
from .contexts import attribute_filter, attribute_rows, custom_attributes_context

Scope = AttributeDefinition.Scope


@require_GET
@agent_required
def contact_list(request):
    """Contacts with a conversation the agent may see: words, verified or not, a contact or
    conversation attribute's value; 25 a page."""
    query = request.GET.get("q", "").strip()[:200]
    identified = {"yes": True, "no": False}.get(request.GET.get("identified", ""))
    attribute, attr_id, attr_value = attribute_filter(request.GET)
    page = row_id(request.GET.get("page"))
    page = page if page is not None and page < 10_000 else 1
    result = selectors.contact_list_for_console(
        profile=request.agent, query=query, identified=identified, attribute=attribute, page=page
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "console/contacts.html",
        {
            "agent": request.agent,
            "result": result,
            "query": query,
            "identified": request.GET.get("identified", ""),
            "attr_id": attr_id,
            "attr_value": attr_value,
            "definitions": selectors.attribute_definition_list(),
            "page_query": params.urlencode(),
        },
    )


@require_GET
@agent_required
def contact_detail(request, contact_id: int):
    """One contact: details, attributes, and every conversation the agent may see."""
    contact = selectors.contact_get_for_agent(profile=request.agent, contact_id=contact_id)
    return render(request, "console/contact.html", _contact_page_context(request, contact))


def _contact_page_context(request, contact, **extra) -> dict:
    definitions = selectors.attribute_definition_list(scope=Scope.CONTACT)
    context = {
        "agent": request.agent,
        "contact": contact,
        "attributes": attribute_rows(definitions, contact.attributes),
        "free_attributes": {
            key: value
            for key, value in contact.attributes.items()
            if key not in {d.key for d in definitions}
        },
        "timeline": selectors.conversation_list_for_contact_timeline(
            profile=request.agent, contact=contact
        ),
        "merge_query": "",
        "merge_candidates": None,
    }
    if request.agent.is_supervisor and request.GET.get("merge_q", "").strip():
        query = request.GET["merge_q"].strip()[:200]
        candidates = selectors.contact_list_for_console(
            profile=request.agent, query=query, page_size=10
        ).contacts
        context["merge_query"] = query
        context["merge_candidates"] = [
            c for c in candidates if c.pk != contact.pk and c.widget_id == contact.widget_id
        ]
    context.update(extra)
    return context


@require_POST
@supervisor_required
def contact_merge(request, contact_id: int):
    """Supervisors: merge the contact `source` into this one (it keeps the verified one)."""
    target = selectors.contact_get_for_agent(profile=request.agent, contact_id=contact_id)
    source_id = row_id(request.POST.get("source"))
    problem = None
    if source_id is None:
        problem = _("Pick the contact to merge into this one.")
    elif request.POST.get("confirm") != "yes":
        problem = _("Tick the box to confirm: the other contact is removed after the merge.")
    if problem is None:
        try:
            source = selectors.contact_get_for_agent(profile=request.agent, contact_id=source_id)
            kept = services.contact_merge(source=source, target=target, by_user=request.user)
        except errors.DomainError as error:
            problem = error.detail
        else:
            return redirect(f"{reverse('console:contact', args=[kept.pk])}?merged={source.pk}")
    context = _contact_page_context(request, target, merge_error=problem)
    return render(request, "console/contact.html", context, status=400)


@require_http_methods(["GET", "POST"])
@agent_required
def conversation_attributes_edit(request, conversation_id: int):
    """The contact panel's custom attributes (the contact's and the conversation's): GET
    shows them (`?edit=1`: the form), POST saves every changed one, or none when one is
    invalid (the form comes back with what was typed and each problem)."""
    conversation = selectors.conversation_get_for_agent(
        profile=request.agent, conversation_id=conversation_id
    )
    if request.method == "GET":
        if not request.htmx:
            return redirect("console:conversation", conversation_id=conversation.pk)
        return _attributes_fragment(request, conversation, editing=bool(request.GET.get("edit")))
    targets = {Scope.CONTACT: conversation.contact, Scope.CONVERSATION: conversation}
    typed, problems, changes = {}, {}, []
    for definition in selectors.attribute_definition_list():
        name = f"{definition.scope}-{definition.key}"
        if name not in request.POST:
            continue
        typed[name] = request.POST[name]
        try:
            value = services.attribute_value_clean(definition=definition, value=typed[name])
        except ValidationError as error:
            problems[name] = " ".join(error.messages)
            continue
        if targets[definition.scope].attributes.get(definition.key) != value:
            changes.append((definition, typed[name]))
    if problems:
        response = _attributes_fragment(
            request, conversation, editing=True, typed=typed, problems=problems
        )
        response.status_code = 200 if request.htmx else 400
        return response
    for definition, value in changes:
        if definition.scope == Scope.CONTACT:
            conversation.contact = services.contact_attribute_set(
                contact=conversation.contact, key=definition.key, value=value, by_user=request.user
            )
        else:
            updated = services.conversation_attribute_set(
                conversation=conversation, key=definition.key, value=value, by_user=request.user
            )
            conversation.attributes = updated.attributes
    if not request.htmx:
        return redirect("console:conversation", conversation_id=conversation.pk)
    return _attributes_fragment(request, conversation, editing=False)


def _attributes_fragment(request, conversation, *, editing, typed=None, problems=None):
    return render(
        request,
        "console/_custom_attributes.html",
        {
            "conversation": conversation,
            **custom_attributes_context(conversation, typed=typed, problems=problems),
            "attributes_editing": editing,
        },
    )
