from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from . import api

app_name = "api"

PUBLIC = {"authentication_classes": [], "permission_classes": [AllowAny]}

# One conversation, under conversations/<id>/.
conversation_urls = [
    path("", api.ConversationDetail.as_view(), name="conversation"),
    path("assign/", api.ConversationAssign.as_view(), name="conversation-assign"),
    path("resolve/", api.ConversationResolve.as_view(), name="conversation-resolve"),
    path("messages/", api.MessageList.as_view(), name="messages"),
]

urlpatterns = [
    path(
        "widgets/<slug:widget_key>/contacts/<str:external_id>/",
        api.ContactDetail.as_view(),
        name="contact",
    ),
    path("conversations/", api.ConversationList.as_view(), name="conversations"),
    path("conversations/<int:conversation_id>/", include(conversation_urls)),
    path("ratings/", api.RatingList.as_view(), name="ratings"),
    path("faq/articles/", api.ArticleList.as_view(), name="articles"),
    path("faq/articles/<int:article_id>/", api.ArticleDetail.as_view(), name="article"),
    # The OpenAPI document and Swagger UI (assets from drf-spectacular-sidecar, under /static/;
    # the split view loads its start-up script from a URL, so the CSP needs no exception).
    path("schema/", SpectacularAPIView.as_view(**PUBLIC), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", **PUBLIC),
        name="docs",
    ),
    # Anything else under /api/v1/ is a JSON 404, not the HTML page.
    re_path(r"^", api.not_found, name="not_found"),
]
