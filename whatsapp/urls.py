from django.urls import path

from . import demo, views

app_name = "whatsapp"

urlpatterns = [
    path("webhook/", views.webhook, name="webhook"),
    path(
        "conversations/<int:conversation_id>/template/",
        views.template_send,
        name="template_send",
    ),
    # The demo's pretend Graph API (DESTEK_DEMO=1 only; 404 otherwise).
    path(
        "demo/graph/v21.0/<str:phone_number_id>/messages",
        demo.graph_messages,
        name="demo_graph_messages",
    ),
    path(
        "demo/graph/v21.0/<str:phone_number_id>/media",
        demo.graph_media,
        name="demo_graph_media",
    ),
]
