from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Article, Category

ARTICLE_FIELDS = [
    "title",
    "slug",
    "language",
    "category",
    "topic",
    "summary",
    "body_markdown",
    "keywords",
    "is_published",
    "order",
]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_tr", "slug", "icon", "order", "article_total"]
    list_editable = ["order"]
    search_fields = ["name_en", "name_tr", "slug"]
    prepopulated_fields = {"slug": ("name_en",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_total=Count("articles"))

    @admin.display(description=_("articles"), ordering="article_total")
    def article_total(self, obj):
        return obj.article_total


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "language",
        "category",
        "is_published",
        "order",
        "helpful_yes_count",
        "helpful_no_count",
    ]
    list_filter = ["language", "category", "topic", "is_published"]
    list_select_related = ["category", "topic"]
    search_fields = ["title", "keywords", "summary", "body_markdown"]
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ["preview", "helpful_yes_count", "helpful_no_count", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "language", "category", "topic", "is_published"]}),
        (_("Content"), {"fields": ["summary", "body_markdown", "keywords", "order"]}),
        (
            _("Preview"),
            {
                "fields": ["preview"],
                "description": _("The body as visitors see it, after saving."),
            },
        ),
        (_("Feedback"), {"fields": ["helpful_yes_count", "helpful_no_count", "updated_at"]}),
    ]

    class Media:
        css = {"all": ["faq/admin.css"]}

    @admin.display(description=_("rendered body"))
    def preview(self, obj):
        if not obj.pk:
            return _("Save the article to see its preview.")
        # body_html is produced only by faq.markdown.render (sanitised), never typed in.
        return format_html(
            '<div class="faq-preview">{}</div>',
            mark_safe(obj.body_html),  # noqa: S308 - sanitised on save
        )

    def save_model(self, request, obj, form, change):
        """Through the service, so the HTML and search text are always regenerated."""
        services.article_save(
            article=obj, **{name: form.cleaned_data[name] for name in ARTICLE_FIELDS}
        )
