"""Every websocket URL, in one place: the widget's socket (chat) and the agent console's."""

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from django.urls import path

from chat.consumers import VisitorConsumer
from console.consumers import ConsoleConsumer

visitor_socket = VisitorConsumer.as_asgi()
console_socket = ConsoleConsumer.as_asgi()

# The routes alone (the tests put a signed-in user in the scope themselves).
websocket_urlpatterns = [
    path("ws/widget/", visitor_socket),
    path("ws/console/", console_socket),
]

# What the server runs. Only the console signs in with Django's session cookie; the widget's
# socket authenticates with its first frame (a visitor token), so it skips the cookie, session
# and user layers, each of which would keep its own copy of the scope for the socket's life
# (memory per idle socket, docs/performance.md).
websocket_application = URLRouter(
    [
        path("ws/widget/", visitor_socket),
        path("ws/console/", AuthMiddlewareStack(console_socket)),
    ]
)
