"""Demo data for `make run`: the café at /demo/ with its widget, teams, topics, help articles,
canned replies and labels, an agent and a supervisor. Idempotent."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse

from faq.seed import seed_cafe_articles
from proactive.models import Trigger
from support import services as support_services
from support.demo import (
    DEMO_USER,
    DEMO_WIDGET_KEY,
    DEMO_WIDGET_SECRET,
    demo_identity,
    demo_seed_check,
)
from support.models import (
    AgentProfile,
    CannedResponse,
    Contact,
    Label,
    Team,
    Topic,
    Widget,
)

DEMO_USERS = [
    # username, password, role, display name, is_staff
    ("agent", "agent-demo-123", AgentProfile.Role.AGENT, "Ayşe Demir", False),
    ("supervisor", "supervisor-demo-123", AgentProfile.Role.SUPERVISOR, "Mert Kaya", True),
]
TEAMS = [("General support", "Genel destek", "general"), ("Payments", "Ödemeler", "payments")]
TOPICS = [
    # slug, en, tr, description en, description tr, team slug, urgent allowed
    (
        "order",
        "Order & delivery",
        "Sipariş ve teslimat",
        "Late or missing delivery, changing an order",
        "Geciken ya da gelmeyen sipariş, sipariş değişikliği",
        "general",
        True,
    ),
    (
        "menu",
        "Menu & allergens",
        "Menü ve alerjenler",
        "Ingredients, allergies, gluten-free and vegan choices",
        "İçindekiler, alerjiler, glutensiz ve vegan seçenekler",
        "general",
        False,
    ),
    (
        "payment",
        "Payment & refunds",
        "Ödeme ve iade",
        "Card payments, refunds, receipts",
        "Kart ödemesi, iade, fiş",
        "payments",
        False,
    ),
    (
        "account",
        "Account & loyalty card",
        "Hesap ve sadakat kartı",
        "Sign-in, loyalty stamps, your details",
        "Giriş, sadakat damgaları, bilgileriniz",
        "general",
        False,
    ),
]
RETIRED_TOPICS = ["technical"]
# A few quick replies for the general team (shortcut, title, English, Turkish).
CANNED_REPLIES = [
    (
        "late-order",
        "Late order: checking with the courier",
        "Sorry for the wait, {contact.first_name}! I'm calling the courier now and will tell "
        "you exactly where your order is in a minute.",
        "Beklettiğimiz için özür dileriz {contact.first_name}! Kuryeyi hemen arıyorum, "
        "siparişinizin nerede olduğunu bir dakika içinde size söyleyeceğim.",
    ),
    (
        "allergens",
        "Allergens: our kitchen's limits",
        "Every item lists its allergens under Ingredients. Our kitchen bakes with flour and "
        "nuts every day, so for a severe allergy we can't promise a trace-free dish.",
        "Her ürünün alerjenleri İçindekiler bölümünde yazar. Mutfağımızda her gün un ve "
        "kuruyemiş kullanıldığı için ciddi alerjilerde iz bulunmayacağını garanti edemeyiz.",
    ),
    (
        "refund",
        "Refund confirmed",
        "I've refunded the missing item in full. Card refunds reach you in 3 to 5 working days; "
        "you'll also get an email. Enjoy the rest of your order!",
        "Eksik ürünün tutarını tamamen iade ettim. Kart iadeleri 3-5 iş günü içinde hesabınıza "
        "geçer; ayrıca bir e-posta alacaksınız. Afiyet olsun!",
    ),
]
# Labels agents put on conversations (name, colour).
LABELS = [("Allergy", "#dc2626"), ("Late delivery", "#d97706")]


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
        demo_seed_check("seed_demo")
        widget, _ = Widget.objects.update_or_create(
            key=DEMO_WIDGET_KEY,
            defaults={
                "name": "Lale Cafe",
                "secret": DEMO_WIDGET_SECRET,
                "is_active": True,
                # The shop's orders beside the demo customer's chats (integrations/demo_context.py).
                "context_url": settings.SITE_URL + reverse("demo_context_cards"),
            },
        )
        teams = {}
        for name, name_tr, slug in TEAMS:
            teams[slug], _ = Team.objects.update_or_create(
                slug=slug, defaults={"name": name, "name_tr": name_tr}
            )
        for order, (slug, en, tr, desc_en, desc_tr, team, urgent) in enumerate(TOPICS):
            Topic.objects.update_or_create(
                slug=slug,
                defaults={
                    "name_en": en,
                    "name_tr": tr,
                    "description_en": desc_en,
                    "description_tr": desc_tr,
                    "team": teams[team],
                    "order": order,
                    "allow_urgent": urgent,
                    "is_active": True,
                },
            )
        # The topic of earlier versions of the demo (a point-of-sale help desk) stops showing.
        Topic.objects.filter(slug__in=RETIRED_TOPICS).update(is_active=False)
        for shortcut, title, body_en, body_tr in CANNED_REPLIES:
            CannedResponse.objects.update_or_create(
                team=teams["general"],
                shortcut=shortcut,
                defaults={"title": title, "body_en": body_en, "body_tr": body_tr},
            )
        for name, colour in LABELS:
            Label.objects.update_or_create(name=name, defaults={"colour": colour})
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
        seed_cafe_articles()  # before the sample chat, so the bot can suggest articles
        if not Contact.objects.filter(widget=widget, external_id=DEMO_USER["external_id"]).exists():
            self._sample_conversation(widget)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        for username, password, role, _name, _staff in DEMO_USERS:
            self.stdout.write(f"  {role:<10} {username} / {password}")
        self.stdout.write(f"  widget key {DEMO_WIDGET_KEY} (secret {DEMO_WIDGET_SECRET})")

    def _proactive_messages(self, widget):
        """The demo shop's proactive messages (proactive app), by name so a rerun updates them."""
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
                "attributes": {"loyalty_stamps": 7, "orders": 23, "favourite": "Simit"},
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
                "url": "app://orders/1042",
            },
            locale="tr",
        )
        support_services.conversation_start(
            contact=contact,
            topic_slug="order",
            body="1042 numaralı siparişim 50 dakikadır gelmedi, kurye nerede?",
            client_id="demo-seed-1",
        )
