"""Demo data for `make run`: a widget, teams, topics, an agent and a supervisor. Idempotent."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from chat import services as chat_services
from faq.seed import seed_help_articles
from support import services as support_services
from support.demo import DEMO_USER, DEMO_WIDGET_KEY, DEMO_WIDGET_SECRET, demo_identity
from support.models import AgentProfile, Contact, Team, Topic, Widget

DEMO_USERS = [
    # username, password, role, display name, is_staff
    ("agent", "agent-demo-123", AgentProfile.Role.AGENT, "Ayşe Demir", False),
    ("supervisor", "supervisor-demo-123", AgentProfile.Role.SUPERVISOR, "Mert Kaya", True),
]
TEAMS = [("General support", "general"), ("Payments", "payments")]
TOPICS = [
    # slug, en, tr, description en, description tr, team slug
    (
        "payment",
        "Payment",
        "Ödeme",
        "Failed payments, refunds, invoices",
        "Başarısız ödeme, iade, fatura",
        "payments",
    ),
    (
        "order",
        "Order",
        "Sipariş",
        "Orders not showing, bills that will not close",
        "Görünmeyen sipariş, kapanmayan adisyon",
        "general",
    ),
    (
        "technical",
        "Technical",
        "Teknik",
        "Errors, freezes, QR menu, notifications",
        "Hata, donma, QR menü, bildirimler",
        "general",
    ),
    (
        "account",
        "Account",
        "Hesap",
        "Login, password, account details",
        "Giriş, şifre, hesap bilgileri",
        "general",
    ),
]


DEMO_TRIGGERS = [
    (
        "Cart left behind",
        {
            "kind": "event",
            "event_name": "cart_abandoned",
            "message_en": "Still deciding? Ask us about delivery, allergens or paying at the door.",
            "message_tr": "Karar veremediniz mi? Teslimat, alerjenler ya da kapıda ödeme için "
            "bize sorun.",
            "delay_seconds": 0,
            "cap_days": 1,
        },
    ),
    (
        "Two minutes on the menu",
        {
            "kind": "time_on_page",
            "seconds_on_page": 120,
            "url_pattern": "/demo/*",
            "message_en": "Looking for something special? We can help you choose.",
            "message_tr": "Özel bir şey mi arıyorsunuz? Seçmenize yardımcı olalım.",
            "cap_days": 1,
            "business_hours_only": True,
        },
    ),
    (
        "Welcome back",
        {
            "kind": "returning",
            "message_en": "Welcome back! Your usual croissant is fresh out of the oven.",
            "message_tr": "Tekrar hoş geldiniz! Her zamanki kruvasanınız fırından yeni çıktı.",
            "delay_seconds": 5,
            "cap_days": 7,
        },
    ),
]


class Command(BaseCommand):
    help = "Load the demo widget, teams, topics and users (safe to run again)."

    @transaction.atomic
    def handle(self, *args, **options):
        widget, _ = Widget.objects.update_or_create(
            key=DEMO_WIDGET_KEY,
            defaults={"name": "Demo shop", "secret": DEMO_WIDGET_SECRET, "is_active": True},
        )
        teams = {}
        for name, slug in TEAMS:
            teams[slug], _ = Team.objects.update_or_create(slug=slug, defaults={"name": name})
        for order, (slug, en, tr, desc_en, desc_tr, team) in enumerate(TOPICS):
            Topic.objects.update_or_create(
                slug=slug,
                defaults={
                    "name_en": en,
                    "name_tr": tr,
                    "description_en": desc_en,
                    "description_tr": desc_tr,
                    "team": teams[team],
                    "order": order,
                },
            )
        User = get_user_model()
        for username, password, role, display_name, is_staff in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.is_staff = is_staff
            user.is_superuser = is_staff
            user.save()
            profile, _ = AgentProfile.objects.update_or_create(
                user=user, defaults={"role": role, "display_name": display_name}
            )
            profile.teams.set(teams.values())

        self._proactive_messages(widget)
        seed_help_articles()  # before the sample chat, so the bot can suggest articles
        if not Contact.objects.filter(widget=widget, external_id=DEMO_USER["external_id"]).exists():
            self._sample_conversation(widget)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        for username, password, role, _name, _staff in DEMO_USERS:
            self.stdout.write(f"  {role:<10} {username} / {password}")
        self.stdout.write(f"  widget key {DEMO_WIDGET_KEY} (secret {DEMO_WIDGET_SECRET})")

    def _proactive_messages(self, widget):
        """The demo shop's proactive messages (proactive app), by name so a rerun updates them."""
        from proactive.models import Trigger

        for order, (name, defaults) in enumerate(DEMO_TRIGGERS):
            Trigger.objects.update_or_create(
                widget=widget, name=name, defaults={**defaults, "order": order}
            )

    def _sample_conversation(self, widget):
        user = demo_identity(widget=widget)
        contact, _token = support_services.widget_session_open(
            widget_key=widget.key,
            identity={"external_id": user["external_id"], "hash": user["hash"]},
            contact_data={
                "name": user["name"],
                "email": user["email"],
                "attributes": {"plan": "Pro", "restaurant": "Lale Cafe", "tables": 14},
            },
            device={
                "platform": "ios",
                "os": "iOS",
                "os_version": "18.1",
                "app_version": "4.2.0",
                "model": "iPhone 15",
                "screen": "393x852",
                "locale": "tr-TR",
                "timezone": "Europe/Istanbul",
                "url": "app://tables/14/bill",
            },
            locale="tr",
        )
        chat_services.conversation_start(
            contact=contact,
            topic_slug="order",
            body="Masa 14'ün adisyonu kapanmıyor, ödeme alındı ama açık görünüyor.",
            client_id="demo-seed-1",
        )
