"""Supervisors' privacy overview: retention, the next sweep, the audit log."""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET

from support import retention, selectors

from .access import supervisor_required


@require_GET
@supervisor_required
def privacy_overview(request):
    """Supervisors: retention policies, what the next sweep deletes, and the recent audit log."""
    return render(
        request,
        "console/privacy.html",
        {
            "agent": request.agent,
            "policies": retention.retention_policies(),
            "due": retention.retention_purge(dry_run=True),
            "security": settings.DESTEK,
            "lockout_minutes": settings.DESTEK["LOGIN_LOCKOUT_SECONDS"] // 60,
            "events": selectors.audit_event_list_recent(limit=50),
        },
    )
