from django.urls import path

from .views import (
    account,
    blocks,
    bulk,
    canned,
    contact,
    contacts,
    context,
    conversations,
    inbox,
    macros,
    mail,
    message_edits,
    messages,
    notes_labels,
    privacy,
    reports,
    search,
)

app_name = "console"

urlpatterns = [
    path("mail/<int:inbound_id>/original", mail.mail_original, name="mail_original"),
    path("", inbox.inbox, name="inbox"),
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
        "conversations/<int:conversation_id>/messages/<int:message_id>/retry",
        messages.message_delivery_retry,
        name="message_delivery_retry",
    ),
    path(
        "attachments/<int:attachment_id>/<str:variant>",
        messages.attachment_open,
        name="attachment_open",
    ),
    path("inbox/counts", inbox.inbox_counts, name="inbox_counts"),
    path(
        "conversations/<int:conversation_id>/context-cards",
        context.conversation_context_cards,
        name="conversation_context_cards",
    ),
    path("inbox/bulk", bulk.inbox_bulk, name="inbox_bulk"),
    path("macros/", macros.macro_list, name="macro_list"),
    path("macros/<int:macro_id>/", macros.macro_edit, name="macro_edit"),
    path(
        "conversations/<int:conversation_id>/macros",
        macros.conversation_macro_menu,
        name="conversation_macro_menu",
    ),
    path(
        "conversations/<int:conversation_id>/macros/<int:macro_id>",
        macros.conversation_macro_run,
        name="conversation_macro_run",
    ),
    path("messages/<int:message_id>/edit", message_edits.message_edit, name="message_edit"),
    path("messages/<int:message_id>/delete", message_edits.message_delete, name="message_delete"),
    path("blocks/", blocks.block_list, name="block_list"),
    path("blocks/<int:block_id>/lift", blocks.block_lift, name="block_lift"),
    path(
        "conversations/<int:conversation_id>/block",
        blocks.conversation_block,
        name="conversation_block",
    ),
    path(
        "conversations/<int:conversation_id>/snooze",
        conversations.conversation_snooze,
        name="conversation_snooze",
    ),
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
