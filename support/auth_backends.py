"""Django's model backend, loading the agent profile with the user.

Every console request and console socket needs both (`agent_required`,
`ConsoleConsumer.connect`): one query instead of two.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class AgentModelBackend(ModelBackend):
    def get_user(self, user_id):
        user = (
            get_user_model()
            ._default_manager.select_related("agent_profile")
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
