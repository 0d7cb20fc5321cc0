from django.urls import path

from . import views

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
        "conversations/<int:conversation_id>/status",
        views.conversation_status_change,
        name="conversation_status_change",
    ),
]
