"""Signed reply addresses: reply+<token>@INBOUND_EMAIL_DOMAIN names a conversation and its contact.

The token is a django.core.signing TimestampSigner value of "<conversation>-<contact>" with "."
as separator (valid in an address's local part). Its case matters: the inbound mail service
must keep the local part as received (Mailgun, Postmark, SendGrid and Postfix all do).
"""

from dataclasses import dataclass
from email.utils import getaddresses

from django.conf import settings
from django.core import signing

SALT = "destek.reply-email"
PREFIX = "reply+"


@dataclass(frozen=True)
class ReplyTarget:
    conversation_id: int
    contact_id: int


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT, sep=".")


def reply_address(*, conversation_id: int, contact_id: int) -> str:
    token = _signer().sign(f"{conversation_id}-{contact_id}")
    return f"{PREFIX}{token}@{settings.INBOUND_EMAIL_DOMAIN}"


def reply_target(value: str) -> ReplyTarget | None:
    """The conversation and contact a reply token names, or None (forged, expired, malformed)."""
    if not isinstance(value, str) or len(value) > 200:
        return None
    try:
        raw = _signer().unsign(value, max_age=settings.DESTEK["REPLY_ADDRESS_MAX_AGE_SECONDS"])
    except signing.BadSignature:
        return None
    conversation_id, _sep, contact_id = raw.partition("-")
    if not (conversation_id.isdigit() and contact_id.isdigit()):
        return None
    return ReplyTarget(int(conversation_id), int(contact_id))


def reply_target_in(recipients: str | list[str]) -> ReplyTarget | None:
    """The first valid reply address among recipients ("Name <a@b>, c@d" or a list)."""
    if isinstance(recipients, str):
        recipients = [recipients]
    domain = settings.INBOUND_EMAIL_DOMAIN.lower()
    for _name, address in getaddresses([r for r in recipients if isinstance(r, str)]):
        local, _at, host = address.rpartition("@")
        if host.lower() != domain or not local.lower().startswith(PREFIX):
            continue
        target = reply_target(local[len(PREFIX) :])
        if target is not None:
            return target
    return None
