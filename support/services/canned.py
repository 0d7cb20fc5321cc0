"""Canned replies: shared per team or personal."""

import re
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .. import errors, selectors
from ..edge import row_id
from ..models import (
    AgentProfile,
    CannedResponse,
    Conversation,
    Team,
)

Status = Conversation.Status


CANNED_SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
CANNED_TITLE_MAX_CHARS = 120


def _canned_fields(*, title: Any, shortcut: Any, body_en: Any, body_tr: Any) -> dict[str, str]:
    title = title.strip() if isinstance(title, str) else ""
    shortcut = shortcut.strip().lstrip("/").lower() if isinstance(shortcut, str) else ""
    body_en = body_en.strip() if isinstance(body_en, str) else ""
    body_tr = body_tr.strip() if isinstance(body_tr, str) else ""
    if not title or len(title) > CANNED_TITLE_MAX_CHARS:
        raise errors.InvalidInput(
            _("A title of 1 to %(max)s characters is required.") % {"max": CANNED_TITLE_MAX_CHARS},
            code="invalid_title",
        )
    if not CANNED_SHORTCUT.match(shortcut):
        raise errors.InvalidInput(
            _("A shortcut is 1 to 40 lower-case letters, digits, - or _, e.g. refund-steps."),
            code="invalid_shortcut",
        )
    if not body_en:
        raise errors.InvalidInput(_("The English text is required."), code="empty_body")
    limit = settings.DESTEK["MESSAGE_MAX_CHARS"]
    if len(body_en) > limit or len(body_tr) > limit:
        raise errors.InvalidInput(
            _("A text is at most %(max)s characters.") % {"max": limit}, code="body_too_long"
        )
    return {"title": title, "shortcut": shortcut, "body_en": body_en, "body_tr": body_tr}


def _canned_save(canned: CannedResponse) -> CannedResponse:
    try:
        with transaction.atomic():
            canned.save()
    except IntegrityError:
        raise errors.Conflict(
            _("The shortcut /%(shortcut)s is already used here.") % {"shortcut": canned.shortcut},
            code="shortcut_taken",
        ) from None
    return canned


def owned_scope_set(*, item, by: AgentProfile, team_id: Any, forbidden: str) -> None:
    """Make a new canned reply or macro `by`'s own, or with team_id that team's (supervisors
    only; `forbidden` says so to an agent)."""
    if team_id in (None, ""):
        item.owner_id = by.user_id
        return
    if not by.is_supervisor:
        raise errors.Forbidden(forbidden)
    team = Team.objects.filter(pk=row_id(team_id)).first()
    if team is None:
        raise errors.InvalidInput(_("No such team."), code="invalid_team")
    item.team = team


def canned_response_create(
    *,
    by: AgentProfile,
    title: Any,
    shortcut: Any,
    body_en: Any,
    body_tr: Any = "",
    team_id: Any = None,
) -> CannedResponse:
    """A personal reply of `by`, or with team_id a team's reply (supervisors only)."""
    fields = _canned_fields(title=title, shortcut=shortcut, body_en=body_en, body_tr=body_tr)
    canned = CannedResponse(**fields)
    owned_scope_set(
        item=canned, by=by, team_id=team_id, forbidden=_("Only supervisors manage team replies.")
    )
    return _canned_save(canned)


def canned_response_update(
    *,
    canned: CannedResponse,
    by: AgentProfile,
    title: Any,
    shortcut: Any,
    body_en: Any,
    body_tr: Any = "",
) -> CannedResponse:
    if not selectors.canned_response_can_manage(profile=by, canned=canned):
        raise errors.Forbidden(_("You may not change this reply."))
    fields = _canned_fields(title=title, shortcut=shortcut, body_en=body_en, body_tr=body_tr)
    for name, value in fields.items():
        setattr(canned, name, value)
    return _canned_save(canned)


def canned_response_delete(*, canned: CannedResponse, by: AgentProfile) -> None:
    if not selectors.canned_response_can_manage(profile=by, canned=canned):
        raise errors.Forbidden(_("You may not delete this reply."))
    canned.delete()
