"""Every websocket URL, in one place: the widget's socket (chat) and the agent console's."""

from channels.routing import URLRouter
from django.urls import path

from chat.consumers import VisitorConsumer
from console.consumers import ConsoleConsumer
from console.socket_sign_in import SessionSignInMiddleware

visitor_socket = VisitorConsumer.as_asgi()
console_socket = ConsoleConsumer.as_asgi()

# The routes alone (the tests put a signed-in user in the scope themselves).
websocket_urlpatterns = [
    path("ws/widget/", visitor_socket),
    path("ws/console/", console_socket),
]

# What the server runs. Only the console signs in with Django's session cookie; the widget's
# socket authenticates with its first frame (a visitor token) and needs no layer around it
# (each would keep its own copy of the scope for the socket's life: memory per idle socket).
websocket_application = URLRouter(
    [
        path("ws/widget/", visitor_socket),
        path("ws/console/", SessionSignInMiddleware(console_socket)),
    ]
)
