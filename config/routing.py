"""Every websocket URL, in one place: the widget's socket (chat) and the agent console's."""

from django.urls import path

from chat.consumers import VisitorConsumer
from console.consumers import ConsoleConsumer

websocket_urlpatterns = [
    path("ws/widget/", VisitorConsumer.as_asgi()),
    path("ws/console/", ConsoleConsumer.as_asgi()),
]
