from django.urls import path

from .views import (
    account,
    alerts,
    canned,
    contact,
    contacts,
    conversations,
    inbox,
    mail,
    messages,
    notes_labels,
    privacy,
    reports,
    search,
    settings,
)

app_name = "console"

urlpatterns = [
    path("mail/<int:inbound_id>/original", mail.mail_original, name="mail_original"),
    path("", inbox.inbox, name="inbox"),
    path("alerts/", alerts.alert_settings, name="alerts"),
    path("alerts/push/subscribe", alerts.push_subscribe, name="push_subscribe"),
    path("alerts/push/unsubscribe", alerts.push_unsubscribe, name="push_unsubscribe"),
    path("sw.js", alerts.service_worker, name="service_worker"),
    path("settings/", settings.settings_page, name="settings"),
    path("settings/widgets/<int:widget_id>/", settings.widget_appearance, name="widget_appearance"),
    path("settings/retention", settings.retention_update, name="retention_update"),
    path("settings/labels", settings.label_add, name="label_add"),
    path("settings/labels/<int:label_id>/delete", settings.label_remove, name="label_remove"),
    path("login/", account.ConsoleLoginView.as_view(), name="login"),
    path("logout/", account.ConsoleLogoutView.as_view(), name="logout"),
    path(
        "conversations/<int:conversation_id>/",
        conversations.conversation_detail,
        name="conversation",
    ),
    path(
        "conversations/<int:conversation_id>/messages",
        messages.conversation_message_send,
        name="conversation_message_send",
    ),
    path(
        "conversations/<int:conversation_id>/attachments",
        messages.conversation_attachment_upload,
        name="conversation_attachment_upload",
    ),
    path(
        "attachments/<int:attachment_id>/<str:variant>",
        messages.attachment_open,
        name="attachment_open",
    ),
    path("inbox/counts", inbox.inbox_counts, name="inbox_counts"),
    path("search/", search.search, name="search"),
    path("privacy/", privacy.privacy_overview, name="privacy"),
    path(
        "conversations/<int:conversation_id>/contact",
        contact.contact_edit,
        name="contact_edit",
    ),
    path(
        "conversations/<int:conversation_id>/messages/earlier",
        conversations.conversation_messages_earlier,
        name="conversation_messages_earlier",
    ),
    path("contacts/", contacts.contact_list, name="contacts"),
    path("contacts/<int:contact_id>/", contacts.contact_detail, name="contact"),
    path("contacts/<int:contact_id>/merge", contacts.contact_merge, name="contact_merge"),
    path(
        "conversations/<int:conversation_id>/attributes",
        contacts.conversation_attributes_edit,
        name="conversation_attributes",
    ),
    path("reports/", reports.report_page, name="reports"),
    path("reports/<slug:table>.csv", reports.report_csv, name="report_csv"),
    path("canned/", canned.canned_list, name="canned_list"),
    path("canned/<int:canned_id>/", canned.canned_edit, name="canned_edit"),
    path(
        "conversations/<int:conversation_id>/notes",
        notes_labels.conversation_note_create,
        name="conversation_note_create",
    ),
    path(
        "conversations/<int:conversation_id>/canned/<int:canned_id>",
        canned.conversation_canned_render,
        name="conversation_canned_render",
    ),
    path(
        "conversations/<int:conversation_id>/labels",
        notes_labels.conversation_labels_change,
        name="conversation_labels_change",
    ),
    path("presence", account.presence_change, name="presence_change"),
    path("language", account.language_change, name="language_change"),
    path(
        "conversations/<int:conversation_id>/assign",
        conversations.conversation_assign,
        name="conversation_assign",
    ),
    path(
        "conversations/<int:conversation_id>/transfer",
        conversations.conversation_transfer,
        name="conversation_transfer",
    ),
    path(
        "conversations/<int:conversation_id>/priority",
        conversations.conversation_priority_change,
        name="conversation_priority_change",
    ),
    path(
        "conversations/<int:conversation_id>/status",
        conversations.conversation_status_change,
        name="conversation_status_change",
    ),
]
