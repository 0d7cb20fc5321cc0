"""The e-mail demo (`make run`): the demo café's support address and one customer mail, posted
as if it had just been received, so a first look sees an e-mail conversation in the console
with no mail server. Replies go to Django's e-mail backend (the terminal under `make run`)."""

from email.message import EmailMessage

from support.demo import DEMO_WIDGET_KEY
from support.models import Team, Widget

from . import inbox
from .models import SupportAddress

DEMO_ADDRESS = "destek@lalecafe.example"
# Public on purpose, like the demo widget's secret: `curl` a mail into the demo
# (docs/channels.md).
DEMO_WEBHOOK_SECRET = "demo-mailbox-secret"  # noqa: S105
DEMO_MAIL_ID = "<demo-mail-1@musteri.example>"


def demo_mail() -> bytes:
    mail = EmailMessage()
    mail["From"] = "Can Öztürk <can@musteri.example>"
    mail["To"] = f"Lale Cafe <{DEMO_ADDRESS}>"
    mail["Subject"] = "Cumartesi için 12 kişilik pasta siparişi"
    mail["Message-ID"] = DEMO_MAIL_ID
    mail.set_content(
        "Merhaba,\n\n"
        "Cumartesi saat 15:00 için 12 kişilik çikolatalı bir doğum günü pastası sipariş "
        'etmek istiyorum. Üzerine "İyi ki doğdun Defne" yazılabilir mi? Fiyatı ve kapora '
        "tutarını da öğrenebilir miyim?\n\n"
        "Teşekkürler,\nCan\n\n"
        "-- \nCan Öztürk\n0532 000 00 00\n"
    )
    return bytes(mail)


def demo_mailbox_seed() -> SupportAddress:
    """The café's address (the General support team, the demo widget's contacts), webhook
    only, and the customer's mail; running it again changes nothing (the mail is stored
    once by its Message-ID)."""
    address, _created = SupportAddress.objects.update_or_create(
        address=DEMO_ADDRESS,
        defaults={
            "display_name": "Lale Cafe",
            "team": Team.objects.get(slug="general"),
            "widget": Widget.objects.get(key=DEMO_WIDGET_KEY),
            "language": "tr",
            "is_active": True,
            "webhook_secret": DEMO_WEBHOOK_SECRET,
        },
    )
    inbox.mail_receive(support_address=address, raw=demo_mail())
    return address
