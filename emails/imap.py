"""Reading a support address's mailbox over IMAP: new mails by UID, each posted once.

Polling resumes after the last UID handled (SupportAddress.imap_last_uid). When the folder's
UIDVALIDITY changes the UIDs start over; mails already handled are then recognised by their
Message-ID (InboundEmail), so nothing is posted twice. Mails stay on the server: the mailbox
remains the operator's archive.
"""

import contextlib
import imaplib
import logging
import os
import ssl
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .inbox import mail_receive
from .models import SupportAddress

logger = logging.getLogger("destek.emails.imap")

TIMEOUT_SECONDS = 30


class MailboxError(Exception):
    """The mailbox could not be read (connection, login, folder); polling retries later."""


@dataclass(frozen=True)
class PollResult:
    fetched: int
    posted: int
    duplicates: int
    refused: int


def _connect(address: SupportAddress) -> imaplib.IMAP4:
    if address.imap_security == SupportAddress.Security.SSL:
        return imaplib.IMAP4_SSL(
            address.imap_host,
            address.imap_port,
            ssl_context=ssl.create_default_context(),
            timeout=TIMEOUT_SECONDS,
        )
    client = imaplib.IMAP4(address.imap_host, address.imap_port, timeout=TIMEOUT_SECONDS)
    if address.imap_security == SupportAddress.Security.STARTTLS:
        client.starttls(ssl_context=ssl.create_default_context())
    return client


def _password(address: SupportAddress) -> str:
    if not address.imap_password_env:
        raise MailboxError("No IMAP password variable is set for this address.")
    password = os.environ.get(address.imap_password_env)
    if password is None:
        raise MailboxError(f"The environment variable {address.imap_password_env} is not set.")
    return password


def _check(status: str, data, what: str):
    if status != "OK":
        raise MailboxError(f"IMAP {what} failed: {data!r}")
    return data


def _uid_of(item) -> int | None:
    """The UID in a FETCH response line such as b'1 (UID 7 RFC822 {123}'."""
    head = item[0] if isinstance(item, tuple) else item
    if not isinstance(head, bytes):
        return None
    words = head.replace(b"(", b" ").split()
    for index, word in enumerate(words[:-1]):
        if word.upper() == b"UID" and words[index + 1].isdigit():
            return int(words[index + 1])
    return None


def mailbox_poll(*, support_address_id: int) -> PollResult:
    """Fetch and post the mails that arrived since the last poll (at most EMAIL_POLL_BATCH)."""
    address = SupportAddress.objects.get(pk=support_address_id)
    if not address.is_active or not address.imap_host:
        return PollResult(0, 0, 0, 0)
    counts = {"posted": 0, "duplicate": 0, "refused": 0}
    fetched = 0
    try:
        client = _connect(address)
    except OSError as error:
        _note_error(address, f"Cannot connect: {error}")
        raise MailboxError(str(error)) from error
    try:
        _check(*client.login(address.imap_user, _password(address)), "LOGIN")
        _check(*client.select(_quoted(address.imap_folder), readonly=True), "SELECT")
        uidvalidity = int((client.response("UIDVALIDITY")[1] or [b"0"])[0] or 0)
        last_uid = address.imap_last_uid if uidvalidity == address.imap_uidvalidity else 0
        data = _check(*client.uid("SEARCH", None, f"UID {last_uid + 1}:*"), "SEARCH")
        uids = sorted(int(uid) for uid in (data[0] or b"").split() if int(uid) > last_uid)
        for uid in uids[: settings.DESTEK["EMAIL_POLL_BATCH"]]:
            data = _check(*client.uid("FETCH", str(uid), "(RFC822)"), "FETCH")
            raw = next((item[1] for item in data if isinstance(item, tuple)), None)
            fetched += 1
            if raw is not None and _uid_of(data[0]) in (uid, None):
                outcome = mail_receive(support_address=address, raw=raw).status
                counts[outcome] += 1
            # Each UID is recorded as handled as soon as it is: a crash mid-batch resumes here.
            SupportAddress.objects.filter(pk=address.pk).update(
                imap_uidvalidity=uidvalidity, imap_last_uid=uid
            )
        SupportAddress.objects.filter(pk=address.pk).update(
            imap_uidvalidity=uidvalidity, imap_polled_at=timezone.now(), imap_error=""
        )
    except (imaplib.IMAP4.error, OSError, MailboxError) as error:
        _note_error(address, str(error))
        raise MailboxError(str(error)) from error
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()
    return PollResult(fetched, counts["posted"], counts["duplicate"], counts["refused"])


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _note_error(address: SupportAddress, text: str) -> None:
    logger.warning("Polling %s failed: %s", address.address, text)
    with transaction.atomic():
        SupportAddress.objects.filter(pk=address.pk).update(
            imap_error=text[:2000], imap_polled_at=timezone.now()
        )


def mailbox_ids_to_poll() -> list[int]:
    return list(
        SupportAddress.objects.filter(is_active=True)
        .exclude(imap_host="")
        .values_list("pk", flat=True)
    )
