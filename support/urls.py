from django.urls import path

from . import context_views, views

app_name = "console"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("login/", views.ConsoleLoginView.as_view(), name="login"),
    path("logout/", views.ConsoleLogoutView.as_view(), name="logout"),
    path("conversations/<int:conversation_id>/", views.conversation_detail, name="conversation"),
    path(
        "conversations/<int:conversation_id>/messages",
        views.conversation_message_send,
        name="conversation_message_send",
    ),
    path(
        "conversations/<int:conversation_id>/attachments",
        views.conversation_attachment_upload,
        name="conversation_attachment_upload",
    ),
    path(
        "attachments/<int:attachment_id>/<str:variant>",
        views.attachment_open,
        name="attachment_open",
    ),
    path("inbox/counts", views.inbox_counts, name="inbox_counts"),
    path(
        "conversations/<int:conversation_id>/context-cards",
        context_views.conversation_context_cards,
        name="conversation_context_cards",
    ),
    path("search/", views.search, name="search"),
    path("privacy/", views.privacy_overview, name="privacy"),
    path(
        "conversations/<int:conversation_id>/contact",
        views.contact_edit,
        name="contact_edit",
    ),
    path(
        "conversations/<int:conversation_id>/messages/earlier",
        views.conversation_messages_earlier,
        name="conversation_messages_earlier",
    ),
    path("reports/", views.report_page, name="reports"),
    path("reports/<slug:table>.csv", views.report_csv, name="report_csv"),
    path("canned/", views.canned_list, name="canned_list"),
    path("canned/<int:canned_id>/", views.canned_edit, name="canned_edit"),
    path(
        "conversations/<int:conversation_id>/notes",
        views.conversation_note_create,
        name="conversation_note_create",
    ),
    path(
        "conversations/<int:conversation_id>/canned/<int:canned_id>",
        views.conversation_canned_render,
        name="conversation_canned_render",
    ),
    path(
        "conversations/<int:conversation_id>/labels",
        views.conversation_labels_change,
        name="conversation_labels_change",
    ),
    path("presence", views.presence_change, name="presence_change"),
    path("language", views.language_change, name="language_change"),
    path(
        "conversations/<int:conversation_id>/assign",
        views.conversation_assign,
        name="conversation_assign",
    ),
    path(
        "conversations/<int:conversation_id>/transfer",
        views.conversation_transfer,
        name="conversation_transfer",
    ),
    path(
        "conversations/<int:conversation_id>/priority",
        views.conversation_priority_change,
        name="conversation_priority_change",
    ),
    path(
        "conversations/<int:conversation_id>/status",
        views.conversation_status_change,
        name="conversation_status_change",
    ),
]
