"""The host page's API (proactive/api.py), under /api/widget/v1/ beside the visitor API: no
visitor token, the embedding page's origin is what is checked."""

from django.urls import path

from . import api

app_name = "host_api"

urlpatterns = [
    path("config", api.config, name="config"),
    path("triggers/<int:trigger_id>/fire", api.trigger_fire, name="trigger_fire"),
]
