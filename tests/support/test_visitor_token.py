"""The visitor token checks: the full look-up, the narrow re-check and the check against the
rows a socket message locks must agree on every case."""

import pytest
from django.db import transaction

from support import errors, selectors
from support import services as support_services
from support.models import Conversation, Widget
from tests import factories

pytestmark = pytest.mark.django_db


def outcome(check, token):
    try:
        check(token=token)
    except errors.IdentityRequired:
        return "identity required"
    except errors.NotAuthenticated:
        return "not authenticated"
    return "ok"


def locked_check(*, token):
    """visitor_token_check_locked as message_send runs it: against the rows it locks, of the
    newest conversation (each test's visitor has one)."""
    conversation = Conversation.objects.order_by("-pk").first()
    with transaction.atomic():
        locked = selectors.conversation_lock_for_message(conversation_id=conversation.pk)
        selectors.visitor_token_check_locked(token=token, conversation=locked)


CHECKS = [selectors.contact_get_by_visitor_token, selectors.visitor_token_check, locked_check]


def revoke(contact, widget):
    support_services.visitor_session_revoke(contact=contact)


def require_identity(contact, widget):
    Widget.objects.filter(pk=widget.pk).update(require_verified_identity=True)


def switch_widget_off(contact, widget):
    Widget.objects.filter(pk=widget.pk).update(is_active=False)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (None, "ok"),
        (revoke, "not authenticated"),
        (require_identity, "identity required"),
        (switch_widget_off, "not authenticated"),
    ],
)
@pytest.mark.parametrize("check", CHECKS)
def test_the_checks_agree(check, change, expected):
    widget = factories.widget()
    contact, token = factories.visitor(widget_obj=widget)
    factories.conversation(contact=contact)
    if change is not None:
        change(contact, widget)

    assert outcome(check, token) == expected


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("token", ["", "forged.token.value", None, "x" * 600])
def test_a_forged_or_missing_token_is_refused(check, token):
    factories.conversation()

    assert outcome(check, token) == "not authenticated"


@pytest.mark.parametrize("check", CHECKS)
def test_a_verified_visitor_passes_where_identity_is_required(check):
    widget = factories.widget()
    contact, token = factories.visitor(widget_obj=widget, external_id="u-1")
    factories.conversation(contact=contact)
    require_identity(contact, widget)

    assert outcome(check, token) == "ok"


def test_a_token_does_not_pass_for_another_visitors_conversation():
    """message_send locks the conversation the socket owns; should a token ever meet another
    contact's row, it is refused, not checked against that contact."""
    _contact, token = factories.visitor()
    factories.conversation()  # another visitor's: the newest

    assert outcome(locked_check, token) == "not authenticated"
