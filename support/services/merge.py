"""Two contacts become one: when an anonymous visitor logs in (support.services.sessions),
and when a supervisor merges duplicates by hand. One path moves what a contact owns."""

from django.db import transaction
from django.utils.translation import gettext as _

from .. import errors, selectors
from ..events import event_emit
from ..models import Contact, ContactChange, Conversation
from .audit import audit_record


def _contact_merge(*, source: Contact, target: Contact) -> None:
    """Move the source's conversations and change log to the target, fill the target's
    empty details and missing attributes from the source (the target's values win), delete
    the source. The caller saves the target, inside its transaction."""
    Conversation.objects.filter(contact=source).update(contact=target)
    ContactChange.objects.filter(contact=source).update(contact=target)
    for field in ("name", "email", "phone", "locale"):
        if not getattr(target, field) and getattr(source, field):
            setattr(target, field, getattr(source, field))
    target.attributes = {**source.attributes, **target.attributes}
    source.delete()


def contact_merge(*, source: Contact, target: Contact, by_user) -> Contact:
    """A supervisor merges `source` into `target`: every conversation moves, missing details
    and attributes are filled from the source (the target's values win), the source is
    deleted, and the audit log keeps what was merged."""
    profile = selectors.agent_profile_for_user(by_user)
    if profile is None or not profile.is_supervisor:
        raise errors.Forbidden(_("Only supervisors may merge contacts."))
    if source.pk == target.pk:
        raise errors.InvalidInput(_("Pick two different contacts."), code="same_contact")
    if source.widget_id != target.widget_id:
        raise errors.InvalidInput(
            _("Only contacts of the same widget can be merged."), code="other_widget"
        )
    if source.identified and target.identified:
        raise errors.InvalidInput(
            _("Both contacts are verified users of the host app; they cannot be merged."),
            code="both_identified",
        )
    with transaction.atomic():
        # Locked in id order, so two merges of the same pair wait for each other.
        locked = {
            contact.pk: contact
            for contact in Contact.objects.select_for_update().filter(
                pk__in=sorted([source.pk, target.pk])
            )
        }
        if len(locked) != 2:
            raise errors.NotFound(_("That contact no longer exists."), code="contact_not_found")
        source, target = locked[source.pk], locked[target.pk]
        if source.identified:  # the verified user is the one that stays
            source, target = target, source
        moved = list(source.conversations.values_list("pk", flat=True))
        detail = {
            "source_id": source.pk,
            "source_name": source.display_name,
            "conversations": moved,
            "attributes": sorted(set(source.attributes) - set(target.attributes)),
        }
        _contact_merge(source=source, target=target)
        target.search_text = target.search_words()
        target.save()
        audit_record(actor=by_user, action="contact.merged", contact_id=target.pk, detail=detail)
        event_emit("contact.updated", contact_id=target.pk)
    return target
