"""The demo (`make run`): the demo widget, its public secret and the pretend shop's user.

The secret is public (it is written here), so the demo pages sign an identity only for the
demo widget while it still has this secret: a widget with a real secret is never signed for.
"""

import hmac

from django.conf import settings
from django.core.management.base import CommandError

from .identity import identity_hash
from .models import Widget

DEMO_WIDGET_KEY = "demo"
DEMO_WIDGET_SECRET = "demo-secret"  # noqa: S105 - public on purpose; real widgets get a random one
# The demo shop's logged-in user (seed_demo creates her conversation).
DEMO_USER = {"external_id": "demo-user-42", "name": "Elif Yılmaz", "email": "elif@example.com"}


def demo_identity(*, widget: Widget) -> dict:
    """What the shop's server would put in its page: the user id signed with the widget
    secret; nothing unless `widget` is the demo widget with the public demo secret."""
    if widget.key != DEMO_WIDGET_KEY or not hmac.compare_digest(
        widget.secret.encode(), DEMO_WIDGET_SECRET.encode()
    ):
        return {}
    return {
        **DEMO_USER,
        "hash": identity_hash(secret=widget.secret, external_id=DEMO_USER["external_id"]),
    }


def demo_seed_check(command: str) -> None:
    """Demo data carries public passwords and secrets (this module's): on a production site
    anyone could use them, so the seed commands run only with DEBUG=1 or DESTEK_DEMO=1."""
    if not (settings.DEBUG or settings.DESTEK["DEMO"]):
        raise CommandError(
            f"{command} loads demo data with public passwords and secrets: it runs only with "
            "DEBUG=1 or DESTEK_DEMO=1 (make run sets both)."
        )
