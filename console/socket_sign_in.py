"""The console socket's sign-in: the agent's Django session cookie, checked as every console
request checks it (support.selectors.agent_user_for_session)."""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from chat.backlog import database_sync_to_async
from chat.frames import scope_cookie
from support import selectors as support_selectors


class SessionSignInMiddleware:
    """Puts the signed-in user (or an anonymous one) and the session key in the scope.

    One layer instead of channels' AuthMiddlewareStack, whose three layers (cookies, session,
    user) each keep their own copy of the scope, their coroutine and the decoded session for
    the socket's life: memory per idle console socket (docs/performance.md). Nothing is saved
    back to the session: a socket never changes it."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        session_key = scope_cookie(scope, settings.SESSION_COOKIE_NAME)
        user = await database_sync_to_async(support_selectors.agent_user_for_session)(session_key)
        scope = {**scope, "session_key": session_key, "user": user or AnonymousUser()}
        return await self.inner(scope, receive, send)
