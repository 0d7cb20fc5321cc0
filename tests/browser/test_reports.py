"""A supervisor opens the reports: the charts are drawn, a date range changes the figures,
and a table downloads as CSV."""

import csv
import re

from playwright.sync_api import expect

from tests.browser.pages import SUPERVISOR, agent_login

SETUP = """
from support import services as support_services
from ratings import services as rating_services
from support import services
from support.models import AgentProfile

agent = AgentProfile.objects.select_related("user").get(user__username="agent")
for n, score in enumerate([5, 4, 2]):
    contact, _token = services.widget_session_open(widget_key="demo")
    conversation, _created = support_services.conversation_start(
        contact=contact, body=f"Report test {n}", client_id=f"report-{n}"
    )
    services.conversation_assign(conversation=conversation, to_user=agent.user, by_user=agent.user)
    support_services.message_send(
        conversation=conversation, sender_type="agent", agent=agent.user, body="On it",
        client_id=f"report-reply-{n}",
    )
    conversation = services.conversation_resolve(conversation=conversation, agent=agent.user)
    rating_services.rating_submit(conversation=conversation, score=score, comment=f"Comment {n}")
"""


def test_reports_draw_charts_change_range_and_download_csv(stack, server, new_context, tmp_path):
    stack.manage("shell", "-c", SETUP)
    page = new_context(accept_downloads=True).new_page()
    agent_login(page, server, SUPERVISOR)
    page.click("#nav-reports")
    expect(page).to_have_url(re.compile(r"/console/reports/$"))

    # The charts are there and drawn: bars with a height, heat map cells, CSAT bars.
    activity = page.locator("svg#chart-activity")
    expect(activity).to_be_visible()
    expect(activity.locator("title").first).to_have_text("Conversations by day")
    heights = activity.locator("rect.bar").evaluate_all(
        "bars => bars.map(bar => bar.getBBox().height)"
    )
    assert heights and max(heights) > 0
    expect(page.locator("svg#chart-heatmap rect.heat")).to_have_count(7 * 24)
    assert page.locator("svg#chart-heatmap rect.heat:not(.heat-0)").count() >= 1
    csat_widths = page.locator("svg#chart-csat rect.bar").evaluate_all(
        "bars => bars.map(bar => bar.getBBox().width)"
    )
    assert len(csat_widths) == 5 and max(csat_widths) > 0
    started = int(page.locator("#kpi-started").inner_text())
    assert started >= 3
    expect(page.locator("#kpi-csat")).to_contain_text("/ 5")

    # Another date range: long ago, nothing in it.
    page.fill("#id_start", "2020-01-01")
    page.fill("#id_end", "2020-01-31")
    page.click("#report-apply")
    expect(page).to_have_url(re.compile(r"start=2020-01-01.*end=2020-01-31"))
    expect(page.locator("#kpi-started")).to_have_text("0")
    expect(page.locator("#report-range")).to_contain_text("1 Jan 2020")
    expect(page.locator("svg#chart-activity rect.bar")).to_have_count(31)

    # Back to the last 30 days, and the per-agent table as CSV.
    page.goto(f"{server}/console/reports/")
    with page.expect_download() as download_info:
        page.click("a.csv-link[href*='agents.csv']")
    download = download_info.value
    assert download.suggested_filename.startswith("destek-agents-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0][0] == "Agent"
    table_rows = page.locator("#table-agents tbody tr").evaluate_all(
        "rows => rows.map(row => [...row.children].map(cell => cell.dataset.value))"
    )
    assert rows[1:] == table_rows
    assert any(row[1] != "0" for row in rows[1:])
