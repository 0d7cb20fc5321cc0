from django.urls import path

from . import views

app_name = "whatsapp"

urlpatterns = [
    path("webhook/", views.webhook, name="webhook"),
    path(
        "conversations/<int:conversation_id>/template/",
        views.template_send,
        name="template_send",
    ),
]
