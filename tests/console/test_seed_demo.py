"""`manage.py seed_demo`: a coherent café (its own help articles, topics, canned replies and
labels), the same after any number of runs."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from faq import selectors as faq_selectors
from faq.models import Article
from support.models import CannedResponse, Contact, Conversation, Label, Team, Topic, Widget

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_on(settings):
    settings.DESTEK = {**settings.DESTEK, "DEMO": True}


def test_without_the_demo_or_debug_nothing_with_public_passwords_is_loaded(settings):
    settings.DESTEK = {**settings.DESTEK, "DEMO": False}
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DESTEK_DEMO=1"):
        seed()
    assert not Widget.objects.filter(key="demo").exists()
    assert not get_user_model().objects.filter(username="agent").exists()


def seed(command="seed_demo"):
    call_command(command, stdout=StringIO())


def state() -> dict:
    return {
        "articles": sorted(Article.objects.values_list("language", "slug", "is_published")),
        "topics": sorted(Topic.objects.values_list("slug", "is_active", "allow_urgent")),
        "canned": sorted(CannedResponse.objects.values_list("shortcut", "team__slug")),
        "labels": sorted(Label.objects.values_list("name", "colour")),
        "conversations": Conversation.objects.count(),
        "contacts": Contact.objects.count(),
    }


def test_the_demo_cafe_answers_cafe_questions_with_its_own_articles():
    seed()

    for language, question, title in [
        ("en", "Is the croissant gluten-free?", "Allergens and gluten-free choices"),
        ("tr", "Kruvasan glutensiz mi?", "Alerjenler ve glutensiz seçenekler"),
        ("en", "my delivery is late", "Where is my delivery?"),
        ("tr", "siparişim gelmedi", "Siparişim nerede?"),
    ]:
        found = faq_selectors.article_suggestions(query=question, language=language, limit=3)
        assert found and found[0]["title"] == title, (question, found)

    published = Article.objects.filter(is_published=True)
    assert published.filter(language="en").count() == published.filter(language="tr").count() == 5
    assert not published.filter(topic__isnull=True).exists()
    assert not published.filter(title__icontains="QR menu").exists()


def test_canned_replies_in_both_languages_and_two_labels():
    seed()

    replies = CannedResponse.objects.filter(team__slug="general")
    assert replies.count() == 3
    assert all(reply.body_en and reply.body_tr for reply in replies)
    assert set(replies.values_list("shortcut", flat=True)) == {"late-order", "allergens", "refund"}
    assert list(Label.objects.values_list("name", flat=True)) == ["Allergy", "Late delivery"]


def test_the_teams_have_turkish_names():
    seed()

    assert list(Team.objects.order_by("slug").values_list("slug", "name", "name_tr")) == [
        ("general", "General support", "Genel destek"),
        ("payments", "Payments", "Ödemeler"),
    ]


def test_the_topics_are_the_cafes_and_order_may_be_urgent():
    seed()

    active = Topic.objects.filter(is_active=True).order_by("order")
    assert list(active.values_list("slug", "name_en")) == [
        ("order", "Order & delivery"),
        ("menu", "Menu & allergens"),
        ("payment", "Payment & refunds"),
        ("account", "Account & loyalty card"),
    ]
    assert list(active.filter(allow_urgent=True).values_list("slug", flat=True)) == ["order"]


def test_seeding_again_changes_nothing_and_retires_the_old_help_desk_content():
    seed("seed_help")  # an older demo database held the point-of-sale articles
    Topic.objects.create(slug="technical", name_en="Technical", name_tr="Teknik")
    seed()
    first = state()
    seed()

    assert state() == first
    assert not Article.objects.filter(is_published=True, slug="app-froze-or-shows-error").exists()
    assert not Topic.objects.get(slug="technical").is_active
    assert first["conversations"] == 1
