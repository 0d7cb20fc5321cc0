from django.urls import include, path

from . import api

app_name = "widget_api"

# One of the visitor's conversations, under conversations/<id>/.
conversation_urls = [
    path("messages", api.conversation_messages, name="conversation_messages"),
    path(
        "messages/<int:message_id>",
        api.conversation_message_delete,
        name="conversation_message_delete",
    ),
    path("attachments", api.conversation_attachments, name="conversation_attachments"),
    path(
        "attachments/<int:attachment_id>",
        api.conversation_attachment,
        name="conversation_attachment",
    ),
    path("context", api.conversation_context_change, name="conversation_context"),
    path("reopen", api.conversation_reopen, name="conversation_reopen"),
    path("rating", api.conversation_rating, name="conversation_rating"),
]

urlpatterns = [
    path("session", api.session, name="session"),
    path("session/end", api.session_end, name="session_end"),
    path("faq", api.faq_search, name="faq"),
    path("faq/<int:article_id>", api.faq_article, name="faq_article"),
    path("faq/<int:article_id>/feedback", api.faq_article_feedback, name="faq_article_feedback"),
    path("conversations", api.conversation_list, name="conversations"),
    path("conversations/<int:conversation_id>/", include(conversation_urls)),
]
