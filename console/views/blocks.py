"""Blocking spam: an agent blocks a conversation's contact; supervisors see and lift blocks."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from support import errors, selectors, services

from .access import supervisor_required
from .conversations import header_action


@header_action
def conversation_block(request, conversation) -> None:
    services.contact_block(
        conversation=conversation,
        by_user=request.user,
        reason=request.POST.get("reason", ""),
        note=request.POST.get("note", ""),
        include_ip=request.POST.get("include_ip") == "1",
    )


@require_GET
@supervisor_required
def block_list(request):
    return render(
        request,
        "console/blocks.html",
        {"agent": request.agent, "blocks": selectors.block_list_recent(limit=100)},
    )


@require_POST
@supervisor_required
def block_lift(request, block_id: int):
    try:
        services.block_lift(block_id=block_id, by_profile=request.agent)
    except errors.NotFound:
        return render(request, "console/not_found.html", status=404)
    return redirect("console:block_list")
