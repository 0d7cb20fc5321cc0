"""A channel account's language (a WhatsApp number's, a support address's): the customers it
meets read it in every automatic line (the after-hours reply, the rating prompt) until they
name their own language; an account starts with the site's language (DESTEK_LANGUAGE)."""

from datetime import UTC, datetime

import pytest
from django.core import mail as django_mail
from django.utils import timezone

from emails import inbox
from emails.models import OutboundEmail, SupportAddress
from support import services as support_services
from support.models import Contact, Conversation, Message, Team, Widget
from tests import factories
from tests.emails.conftest import mail
from tests.support.conftest import rating_prompt_after_an_answer
from tests.whatsapp.conftest import APP_SECRET, TOKEN, customer_writes
from whatsapp import services as whatsapp_services
from whatsapp.fake_graph import FakeGraph
from whatsapp.models import Channel as WhatsAppNumber
from whatsapp.models import OutboundMessage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("graph")]

CUSTOMER_PHONE = "905321234567"
CUSTOMER_EMAIL = "ayse@example.org"


def whatsapp_account(*, widget: Widget, team: Team, language: str) -> WhatsAppNumber:
    number = WhatsAppNumber(
        name="Lale Cafe",
        widget=widget,
        team=team,
        phone_number_id="106540352242922",
        verify_token="verify-me",
        language=language,
    )
    whatsapp_services.channel_save_secrets(
        channel=number, access_token=TOKEN, app_secret=APP_SECRET
    )
    number.save()
    return number


def whatsapp_writes(account: WhatsAppNumber, body: str) -> Conversation:
    return customer_writes(account, body, wa_id=CUSTOMER_PHONE)


def whatsapp_received(message: Message, graph: FakeGraph) -> str:
    """What the customer's phone showed for this line."""
    assert OutboundMessage.objects.filter(message=message).exclude(wamid="").exists()
    (text,) = [
        p["text"]["body"]
        for p in graph.sent
        if p.get("to") == CUSTOMER_PHONE and p.get("text", {}).get("body") == message.body
    ]
    return text


def email_account(*, widget: Widget, team: Team, language: str) -> SupportAddress:
    return SupportAddress.objects.create(
        address="merhaba@lalecafe.example",
        display_name="Lale Cafe",
        team=team,
        widget=widget,
        language=language,
    )


def email_writes(account: SupportAddress, body: str) -> Conversation:
    sent = mail(
        sender=f"Ayşe <{CUSTOMER_EMAIL}>", to=account.address, subject="Rezervasyon", body=body
    )
    result = inbox.mail_receive(support_address=account, raw=bytes(sent))
    assert result.status == "posted", result.refusal
    return Conversation.objects.get(pk=result.conversation_id)


def email_received(message: Message, graph: FakeGraph) -> str:
    """The mail the customer received for this line."""
    assert OutboundEmail.objects.filter(message=message, status="sent").exists()
    (sent,) = [m for m in django_mail.outbox if message.body.splitlines()[0] in m.body]
    assert sent.to == [CUSTOMER_EMAIL]
    return sent.body


ACCOUNTS = {
    "whatsapp": (whatsapp_account, whatsapp_writes, whatsapp_received),
    "email": (email_account, email_writes, email_received),
}
LINES = {
    "tr": {"closed": "Kapalıyız.", "back": "yeniden buradayız", "rate": "Nasıldık?"},
    "en": {"closed": "We are closed.", "back": "We're back", "rate": "How did we do?"},
}


@pytest.fixture(params=list(ACCOUNTS))
def channel(request):
    return ACCOUNTS[request.param]


@pytest.fixture
def closed_team(monkeypatch):
    """A team open 09:00-17:00 on weekdays; it is Monday 18:00 in Istanbul."""
    team = factories.hours_team(message_en="We are closed.", message_tr="Kapalıyız.")
    for weekday in range(5):
        factories.business_hours(team=team, weekday=weekday, opens="09:00", closes="17:00")
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 6, 1, 15, 0, tzinfo=UTC))
    return team


@pytest.fixture
def after_hours_reply(channel, closed_team, graph, django_capture_on_commit_callbacks):
    """The reply a customer gets, through the channel, writing to the closed team's account."""

    def reply(*, language, widget=None) -> str:
        account_for, writes, received = channel
        account = account_for(
            widget=widget or factories.widget(), team=closed_team, language=language
        )
        with django_capture_on_commit_callbacks(execute=True):
            conversation = writes(account, "Bu akşam açık mısınız?")
        (bot_line,) = conversation.messages.filter(sender_type=Message.SenderType.BOT)
        assert received(bot_line, graph) is not None
        return bot_line.body

    return reply


@pytest.mark.parametrize("language", ["tr", "en"])
def test_the_after_hours_reply_is_in_the_accounts_language(language, after_hours_reply):
    body = after_hours_reply(language=language)
    assert body.startswith(LINES[language]["closed"])
    assert LINES[language]["back"] in body
    assert Contact.objects.get().locale == language


@pytest.mark.parametrize("language", ["tr", "en"])
def test_the_rating_prompt_is_in_the_accounts_language(
    channel, language, graph, django_capture_on_commit_callbacks
):
    account_for, writes, received = channel
    team = factories.team()
    agent = factories.agent(teams=[team], online=True)
    account = account_for(widget=factories.widget(), team=team, language=language)
    with django_capture_on_commit_callbacks(execute=True):
        conversation = writes(account, "Siparişim nerede?")
    prompt = rating_prompt_after_an_answer(
        conversation, agent=agent, capture=django_capture_on_commit_callbacks
    )
    assert prompt.body.startswith(LINES[language]["rate"])
    assert LINES[language]["rate"] in received(prompt, graph)


def test_a_language_the_customer_named_wins_over_the_accounts(after_hours_reply):
    """The same person chatted on the café's widget in English before they wrote."""
    widget = factories.widget()
    contact, _token = factories.visitor(
        widget_obj=widget,
        locale="en",
        contact_data={"email": CUSTOMER_EMAIL, "phone": f"+{CUSTOMER_PHONE}"},
    )
    body = after_hours_reply(language="tr", widget=widget)
    assert body.startswith("We are closed.")
    contact.refresh_from_db()
    assert contact.locale == "en"
    assert Contact.objects.count() == 1


def test_a_known_customer_without_a_language_gets_the_accounts(after_hours_reply):
    """Met before the account had a language (or through a widget that named none)."""
    widget = factories.widget()
    contact = Contact.objects.create(
        widget=widget, email=CUSTOMER_EMAIL, phone=f"+{CUSTOMER_PHONE}"
    )
    body = after_hours_reply(language="tr", widget=widget)
    assert body.startswith("Kapalıyız.")
    contact.refresh_from_db()
    assert contact.locale == "tr"


def test_a_widget_contact_merged_later_keeps_its_language(graph):
    """A WhatsApp customer (Turkish, from the number) logs in on the widget in English."""
    widget = factories.widget()
    account = whatsapp_account(widget=widget, team=factories.team(), language="tr")
    whatsapp_writes(account, "Merhaba")
    customer = Contact.objects.get()
    assert customer.locale == "tr"
    known, _token = factories.visitor(widget_obj=widget, external_id="user-7", locale="en")
    support_services.contact_merge(
        source=customer, target=known, by_user=factories.supervisor().user
    )
    known.refresh_from_db()
    assert known.locale == "en"


def test_an_account_starts_with_the_sites_language(settings):
    team, widget = factories.team(), factories.widget()
    number = whatsapp_account(widget=widget, team=team, language="en")
    assert WhatsAppNumber(name="x").language == SupportAddress(address="x").language == "en"
    settings.LANGUAGE_CODE = "tr"
    assert WhatsAppNumber(name="y").language == SupportAddress(address="y").language == "tr"
    number.refresh_from_db()
    assert number.language == "en"  # an account's own choice stays


@pytest.mark.parametrize(
    ("path", "model"),
    [("whatsapp/channel", WhatsAppNumber), ("emails/supportaddress", SupportAddress)],
)
def test_the_admin_form_offers_the_language(admin_client, path, model):
    page = admin_client.get(f"/admin/{path}/add/").content.decode()
    assert 'name="language"' in page
    assert '<option value="tr">' in page
