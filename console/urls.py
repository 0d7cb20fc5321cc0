from django.urls import include, path

from .views import (
    account,
    alerts,
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
    settings,
    settings_teams,
    settings_topics,
)

app_name = "console"

# One conversation's actions, under conversations/<id>/.
conversation_urls = [
    path("", conversations.conversation_detail, name="conversation"),
    path("messages", messages.conversation_message_send, name="conversation_message_send"),
    path(
        "messages/earlier",
        conversations.conversation_messages_earlier,
        name="conversation_messages_earlier",
    ),
    path(
        "messages/<int:message_id>/retry",
        messages.message_delivery_retry,
        name="message_delivery_retry",
    ),
    path(
        "attachments",
        messages.conversation_attachment_upload,
        name="conversation_attachment_upload",
    ),
    path("context-cards", context.conversation_context_cards, name="conversation_context_cards"),
    path("macros", macros.conversation_macro_menu, name="conversation_macro_menu"),
    path("macros/<int:macro_id>", macros.conversation_macro_run, name="conversation_macro_run"),
    path(
        "canned/<int:canned_id>",
        canned.conversation_canned_render,
        name="conversation_canned_render",
    ),
    path("notes", notes_labels.conversation_note_create, name="conversation_note_create"),
    path("labels", notes_labels.conversation_labels_change, name="conversation_labels_change"),
    path("block", blocks.conversation_block, name="conversation_block"),
    path("snooze", conversations.conversation_snooze, name="conversation_snooze"),
    path("contact", contact.contact_edit, name="contact_edit"),
    path("attributes", contacts.conversation_attributes_edit, name="conversation_attributes"),
    path("assign", conversations.conversation_assign, name="conversation_assign"),
    path("transfer", conversations.conversation_transfer, name="conversation_transfer"),
    path(
        "priority", conversations.conversation_priority_change, name="conversation_priority_change"
    ),
    path("status", conversations.conversation_status_change, name="conversation_status_change"),
]

# One team's settings, under settings/teams/<id>/.
team_urls = [
    path("", settings_teams.team_detail, name="settings_team"),
    path("delete", settings_teams.team_delete, name="settings_team_delete"),
    path("members", settings_teams.team_member_add, name="settings_team_member_add"),
    path(
        "members/<int:agent_id>/remove",
        settings_teams.team_member_remove,
        name="settings_team_member_remove",
    ),
    path("hours/", settings_teams.team_hours, name="settings_team_hours"),
    path("holidays", settings_teams.team_holiday_add, name="settings_team_holiday_add"),
    path(
        "holidays/<int:holiday_id>/delete",
        settings_teams.team_holiday_delete,
        name="settings_team_holiday_delete",
    ),
]

urlpatterns = [
    path("", inbox.inbox, name="inbox"),
    path("inbox/counts", inbox.inbox_counts, name="inbox_counts"),
    path("inbox/bulk", bulk.inbox_bulk, name="inbox_bulk"),
    path("conversations/<int:conversation_id>/", include(conversation_urls)),
    path("messages/<int:message_id>/edit", message_edits.message_edit, name="message_edit"),
    path("messages/<int:message_id>/delete", message_edits.message_delete, name="message_delete"),
    path(
        "attachments/<int:attachment_id>/<str:variant>",
        messages.attachment_open,
        name="attachment_open",
    ),
    path("mail/<int:inbound_id>/original", mail.mail_original, name="mail_original"),
    path("login/", account.ConsoleLoginView.as_view(), name="login"),
    path("logout/", account.ConsoleLogoutView.as_view(), name="logout"),
    path("presence", account.presence_change, name="presence_change"),
    path("language", account.language_change, name="language_change"),
    path("alerts/", alerts.alert_settings, name="alerts"),
    path("alerts/push/subscribe", alerts.push_subscribe, name="push_subscribe"),
    path("alerts/push/unsubscribe", alerts.push_unsubscribe, name="push_unsubscribe"),
    path("sw.js", alerts.service_worker, name="service_worker"),
    path("settings/", settings.settings_page, name="settings"),
    path("settings/widgets/<int:widget_id>/", settings.widget_appearance, name="widget_appearance"),
    path("settings/retention", settings.retention_update, name="retention_update"),
    path("settings/labels", settings.label_add, name="label_add"),
    path("settings/labels/<int:label_id>/delete", settings.label_remove, name="label_remove"),
    path("settings/teams/", settings_teams.team_list, name="settings_teams"),
    path("settings/teams/<int:team_id>/", include(team_urls)),
    path("settings/topics/", settings_topics.topic_list, name="settings_topics"),
    path("settings/topics/<int:topic_id>/", settings_topics.topic_edit, name="settings_topic"),
    path(
        "settings/topics/<int:topic_id>/delete",
        settings_topics.topic_delete,
        name="settings_topic_delete",
    ),
    path("settings/targets/", settings_topics.response_targets, name="settings_targets"),
    path("macros/", macros.macro_list, name="macro_list"),
    path("macros/<int:macro_id>/", macros.macro_edit, name="macro_edit"),
    path("canned/", canned.canned_list, name="canned_list"),
    path("canned/<int:canned_id>/", canned.canned_edit, name="canned_edit"),
    path("blocks/", blocks.block_list, name="block_list"),
    path("blocks/<int:block_id>/lift", blocks.block_lift, name="block_lift"),
    path("contacts/", contacts.contact_list, name="contacts"),
    path("contacts/<int:contact_id>/", contacts.contact_detail, name="contact"),
    path("contacts/<int:contact_id>/merge", contacts.contact_merge, name="contact_merge"),
    path("search/", search.search, name="search"),
    path("privacy/", privacy.privacy_overview, name="privacy"),
    path("reports/", reports.report_page, name="reports"),
    path("reports/<slug:table>.csv", reports.report_csv, name="report_csv"),
]
