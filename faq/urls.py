from django.urls import path, register_converter

from . import views


class LanguageConverter:
    regex = "en|tr"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(LanguageConverter, "help_language")

app_name = "faq"

urlpatterns = [
    path("", views.help_index, name="index"),
    path("search", views.search, name="search"),
    path("category/<slug:slug>/", views.category_detail, name="category"),
    path("<help_language:language>/<slug:slug>/", views.article_detail, name="article"),
    path(
        "<help_language:language>/<slug:slug>/feedback",
        views.article_feedback,
        name="article_feedback",
    ),
]
