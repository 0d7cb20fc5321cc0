"""Automation in real browsers: the out-of-hours auto-reply names the opening time in the
visitor's zone, and after an agent resolves the visitor rates the chat once with a chip.

Tasks run eagerly in the server process here (also on CI, where REDIS_URL would send them to a
broker with no worker): tests/support/test_worker.py proves the real worker path.
"""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.pages import visitor_sends

TEAM_ZONE = ZoneInfo("Europe/Istanbul")
VISITOR_ZONE = ZoneInfo("Europe/London")

RESET = """
from support.models import AgentProfile, Conversation, Widget
Conversation.objects.all().delete()
Widget.objects.update(bot_enabled=False)
AgentProfile.objects.update(capacity=5, presence="online")
"""
# The "order" topic's team opens only on one weekday, 09:00-17:00 in Istanbul.
CLOSED_UNTIL = """
from support.models import BusinessHoursInterval, Topic
team = Topic.objects.get(slug="order").team
team.time_zone = "Europe/Istanbul"
team.save(update_fields=["time_zone"])
team.special_days.all().delete()
team.hours.all().delete()
BusinessHoursInterval.objects.create(team=team, weekday=%d, opens_at="09:00", closes_at="17:00")
"""
ALWAYS_OPEN = """
from support.models import Topic
team = Topic.objects.get(slug="order").team
team.special_days.all().delete()
team.hours.all().delete()
"""
RATINGS = """
from ratings.models import Rating
ratings = Rating.objects.order_by("pk")
print("ratings:", ratings.count(), list(ratings.values_list("score", "comment")))
"""


@pytest.fixture(scope="module")
def server(stack):
    stack.env["CELERY_TASK_ALWAYS_EAGER"] = "1"
    stack.env["DESTEK_RATING_PROMPT_DELAY"] = "0"
    port = stack.start_server()
    return f"http://127.0.0.1:{port}"


def agent_login(page, server):
    page.goto(f"{server}/console/?view=all")
    page.fill("#id_username", "agent")
    page.fill("#id_password", "agent-demo-123")
    page.click("button[type=submit]")
    expect(page.locator("#connection")).to_have_attribute("data-state", "open")


def visitor_asks_about_an_order(context, server, text):
    page = context.new_page()
    page.goto(f"{server}/demo/")
    page.click("#destek-launcher")
    widget = page.frame_locator("#destek-frame")
    widget.locator(".topic[data-topic=order]").click()
    visitor_sends(widget, text)
    return widget


def stored_ratings(stack) -> str:
    output = stack.manage("shell", "-c", RATINGS)
    return re.search(r"^ratings: (.*)$", output, re.MULTILINE).group(1)


def test_out_of_hours_the_visitor_is_told_when_the_team_opens_in_their_own_time(
    stack, server, new_context
):
    opens_day = datetime.now(TEAM_ZONE).date() + timedelta(days=2)
    stack.manage("shell", "-c", RESET)
    stack.manage("shell", "-c", CLOSED_UNTIL % opens_day.weekday())
    # 09:00 in Istanbul (UTC+3 all year) is 06:00 or 07:00 in London, by the date.
    opens = datetime.combine(opens_day, time(9), TEAM_ZONE).astimezone(VISITOR_ZONE)
    expected = f"{opens:%A} {opens.day} {opens:%B} {opens:%H:%M}"

    context = new_context(locale="en-GB", timezone_id="Europe/London")
    widget = visitor_asks_about_an_order(context, server, "Where is my order?")

    reply = widget.locator(".msg-bot", has_text="We're back")
    expect(reply).to_have_count(1)
    expect(reply).to_contain_text(expected)
    # One reply per closed period: a second message gets none.
    visitor_sends(widget, "Anyone there?")
    expect(reply).to_have_count(1)


def test_the_visitor_rates_each_resolution_once_with_stars_and_a_comment(
    stack, server, new_context
):
    stack.manage("shell", "-c", RESET)
    stack.manage("shell", "-c", ALWAYS_OPEN)
    agent = new_context().new_page()
    agent_login(agent, server)

    context = new_context(
        locale="en-GB", timezone_id="Europe/London", viewport={"width": 390, "height": 844}
    )
    widget = visitor_asks_about_an_order(context, server, "My order never arrived")

    row = agent.locator("#inbox-list .inbox-row")
    expect(row).to_have_count(1)
    row.locator("a").click()
    agent.click("#resolve-button")
    expect(agent.locator("#conversation-status")).to_have_text("Resolved")

    expect(widget.locator(".msg-bot", has_text="How did we do?")).to_have_count(1)
    prompt = widget.locator(".msg-bot", has_text="How did we do?").first
    stars = prompt.locator(".chip[data-action-type=rating]")
    expect(stars).to_have_count(5)
    # Five stars, 1 to 5, on one line on a phone.
    assert [star.get_attribute("value") for star in stars.all()] == ["1", "2", "3", "4", "5"]
    tops = {round(star.bounding_box()["y"]) for star in stars.all()}
    assert len(tops) == 1, tops
    five = prompt.locator(".chip[title='5 of 5 stars']")
    expect(five).to_be_enabled()
    five.click()

    expect(widget.locator(".msg-bot", has_text="Thank you for your rating!")).to_have_count(1)
    assert stored_ratings(stack) == "1 [(5, '')]"
    # Answered: the stars are off, and the rating stays the one stored.
    for star in stars.all():
        expect(star).to_be_disabled()
    five.click(force=True)
    expect(widget.locator(".msg-visitor", has_text="★★★★★")).to_have_count(1)

    # The optional comment completes the same rating; the agent sees it.
    comment = prompt.locator(".rate-comment textarea")
    expect(comment).to_have_attribute("placeholder", "Add a comment (optional)")
    comment.fill("Quick and kind, thank you")
    prompt.locator(".rate-comment button").click()
    expect(prompt.locator(".rate-done")).to_have_text("Thank you for your comment!")
    assert stored_ratings(stack) == "1 [(5, 'Quick and kind, thank you')]"
    agent.reload()
    expect(agent.locator("#conversation-rating")).to_contain_text("Quick and kind")

    # Reopened and resolved again: a new prompt with live stars; the old ones stay off.
    agent.get_by_role("button", name="Reopen").click()
    expect(agent.locator("#conversation-status")).not_to_have_text("Resolved")
    agent.click("#resolve-button")
    expect(agent.locator("#conversation-status")).to_have_text("Resolved")
    expect(widget.locator(".msg-bot", has_text="How did we do?")).to_have_count(2)
    second = widget.locator(".msg-bot", has_text="How did we do?").last
    for star in stars.all():
        expect(star).to_be_disabled()
    second.locator(".chip[title='3 of 5 stars']").click()
    expect(widget.locator(".msg-bot", has_text="Thank you for your rating!")).to_have_count(2)
    assert stored_ratings(stack) == "2 [(5, 'Quick and kind, thank you'), (3, '')]"


def test_the_rating_prompt_after_a_chat_with_the_bot_is_in_view_on_a_phone(
    stack, server, new_context
):
    # The resolved banner takes room under the thread as the prompt arrives; the thread
    # stays at its end (the browser's scroll anchoring used to move it and leave the
    # agent's last words and the stars under the fold).
    stack.manage("shell", "-c", RESET)
    stack.manage("shell", "-c", ALWAYS_OPEN)
    stack.manage(
        "shell", "-c", "from support.models import Widget; Widget.objects.update(bot_enabled=True)"
    )
    agent = new_context().new_page()
    agent_login(agent, server)

    context = new_context(locale="tr-TR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{server}/demo/")
    page.click("#destek-launcher")
    widget = page.frame_locator("#destek-frame")
    visitor_sends(widget, "Siparişim gelmedi, nerede?")
    widget.locator(".chip", has_text="Bir temsilciyle konuşun").last.click()
    agent.locator("#inbox-list .inbox-row a").click()
    agent.locator("#composer-body").fill("Kuryeyi arıyorum, hemen dönüyorum.")
    agent.locator("#composer-body").press("Enter")
    expect(widget.locator(".msg-agent", has_text="Kuryeyi arıyorum")).to_be_in_viewport()
    agent.click("#resolve-button")

    expect(widget.locator(".resolved-banner")).to_be_visible()
    prompt = widget.locator(".msg-bot .stars").last
    expect(prompt).to_be_visible()
    expect(prompt).to_be_in_viewport()
