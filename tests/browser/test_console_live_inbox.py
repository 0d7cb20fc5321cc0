"""The live inbox in real browsers, three agents at once: the server sends each console only
the rows its agent may see (console.realtime), so a conversation moved to another team leaves
an outsider's inbox, a supervisor keeps it, and a reassigned one leaves the old assignee's."""

from playwright.sync_api import expect

from tests.browser.pages import AGENT, SUPERVISOR, agent_login, open_widget

OUTSIDER = ("outsider", "outsider-demo-123")
SETUP = """
from django.contrib.auth import get_user_model
from support.models import AgentProfile, Team, Widget
Widget.objects.update(bot_enabled=False)
# Nobody is handed conversations automatically: every move here is a person's.
AgentProfile.objects.update(capacity=0)
partners, _ = Team.objects.get_or_create(name="Partners", defaults={"name_tr": "Ortaklar"})
user = get_user_model().objects.create_user(username="outsider", password="outsider-demo-123")
profile = AgentProfile.objects.create(user=user, display_name="Ozan Dış", capacity=0)
profile.teams.set([partners])
"""


def test_rows_follow_who_may_see_the_conversation(stack, new_context, server):
    stack.manage("shell", "-c", SETUP)
    outsider = new_context().new_page()
    agent_login(outsider, server, OUTSIDER, view="all")
    supervisor = new_context().new_page()
    agent_login(supervisor, server, SUPERVISOR, view="all")
    agent = new_context().new_page()
    agent_login(agent, server, AGENT, view="mine")

    widget = open_widget(new_context().new_page(), server)
    widget.locator("#composer-input").fill("Where is my parcel?")
    widget.locator("#composer-input").press("Enter")

    # Unrouted: every agent may see it; the agent's "Mine" lists only their own.
    outsider_row = outsider.locator(".inbox-row", has_text="Where is my parcel?")
    expect(outsider_row).to_be_visible()
    expect(supervisor.locator(".inbox-row", has_text="Where is my parcel?")).to_be_visible()
    expect(agent.locator("#inbox-list .inbox-row")).to_have_count(0)

    # Moved to a team the outsider is not in: the row leaves their inbox.
    supervisor.locator(".inbox-row", has_text="Where is my parcel?").locator("a").click()
    expect(supervisor.locator("#message-list")).to_contain_text("Where is my parcel?")
    supervisor.locator("#transfer-select").select_option(label="General support")
    expect(supervisor.locator("#message-list")).to_contain_text("General support")
    expect(outsider_row).to_have_count(0)

    # What the visitor writes next reaches the supervisor's inbox, never the outsider's.
    widget.locator("#composer-input").fill("Any news?")
    widget.locator("#composer-input").press("Enter")
    expect(supervisor.locator(".inbox-row", has_text="Any news?")).to_be_visible()
    expect(outsider.locator(".inbox-row", has_text="Any news?")).to_have_count(0)

    # Given to the outsider, it shows in their inbox; given on to a colleague, it leaves again.
    supervisor.locator("#assign-select").select_option(label="Ozan Dış")
    expect(outsider.locator(".inbox-row", has_text="Any news?")).to_be_visible()
    supervisor.locator("#assign-select").select_option(label="Ayşe Demir")
    expect(agent.locator(".inbox-row", has_text="Any news?")).to_be_visible()
    expect(outsider.locator(".inbox-row", has_text="Any news?")).to_have_count(0)
    expect(outsider.locator("#inbox-list")).to_have_class("inbox-list is-empty")
