"""Supervisors manage articles in the admin: a rendered preview, saves through the service."""

import pytest

from faq.models import Article

from . import factories

pytestmark = pytest.mark.django_db


def test_change_page_shows_the_sanitised_preview_and_counts(admin_client):
    article = factories.article(body="## Steps\n\n1. **Open** it <script>alert(1)</script>")

    response = admin_client.get(f"/admin/faq/article/{article.pk}/change/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<div class="faq-preview"' in html
    assert "<h2>Steps</h2>" in html
    assert "<li><strong>Open</strong> it </li>" in html
    assert "<script>alert" not in html  # (the source shows, escaped, in its textarea)
    assert "Not helpful" in html  # the counts, read-only


def test_add_page_renders(admin_client):
    assert admin_client.get("/admin/faq/article/add/").status_code == 200
    assert admin_client.get("/admin/faq/category/add/").status_code == 200


def test_changelist_with_filters_and_search(admin_client, help_articles):
    response = admin_client.get("/admin/faq/article/", {"language__exact": "tr", "q": "şifre"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Giriş yapamıyorum: şifre sıfırlama" in html
    assert "Can&#x27;t sign in" not in html
    assert admin_client.get("/admin/faq/category/").status_code == 200


def test_saving_in_the_admin_renders_html_and_search_text(admin_client):
    category = factories.category()

    response = admin_client.post(
        "/admin/faq/article/add/",
        {
            "title": "Yazıcı çalışmıyor",
            "slug": "yazici-calismiyor",
            "language": "tr",
            "category": category.pk,
            "topic": "",
            "summary": "",
            "body_markdown": "**Kâğıdı** kontrol edin. <iframe src='https://x'></iframe>",
            "keywords": "yazıcı, fiş",
            "is_published": "on",
            "order": "0",
            # Derived fields are not in the form: posting them changes nothing.
            "body_html": "<script>alert(1)</script>",
            "search_text": "injected",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    assert article.body_html == "<p><strong>Kâğıdı</strong> kontrol edin. </p>\n"
    assert article.search_title == "yazici calismiyor"
    assert "kagidi" in article.search_text
    assert "injected" not in article.search_text


def test_a_duplicate_slug_in_the_same_language_is_a_form_error(admin_client):
    existing = factories.article(language="en", slug="taken")

    response = admin_client.post(
        "/admin/faq/article/add/",
        {
            "title": "Another",
            "slug": "taken",
            "language": "en",
            "category": existing.category_id,
            "body_markdown": "text",
            "order": "0",
        },
    )

    assert response.status_code == 200
    assert Article.objects.count() == 1
