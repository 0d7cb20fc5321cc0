"""The visitor token checks: the full look-up and the narrow re-check at each socket message
must agree on every case."""

import pytest

from support import errors, selectors
from support import services as support_services
from support.models import Widget
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
@pytest.mark.parametrize(
    "check", [selectors.contact_get_by_visitor_token, selectors.visitor_token_check]
)
def test_both_checks_agree(check, change, expected):
    widget = factories.widget()
    contact, token = factories.visitor(widget_obj=widget)
    if change is not None:
        change(contact, widget)

    assert outcome(check, token) == expected


@pytest.mark.parametrize(
    "check", [selectors.contact_get_by_visitor_token, selectors.visitor_token_check]
)
@pytest.mark.parametrize("token", ["", "forged.token.value", None, "x" * 600])
def test_a_forged_or_missing_token_is_refused(check, token):
    assert outcome(check, token) == "not authenticated"


def test_a_verified_visitor_passes_where_identity_is_required():
    widget = factories.widget()
    contact, token = factories.visitor(widget_obj=widget, external_id="u-1")
    require_identity(contact, widget)

    assert outcome(selectors.visitor_token_check, token) == "ok"
