"""Admin changelists as quick reports: filters with counts for conversations and ratings."""

import pytest

pytestmark = pytest.mark.django_db


def test_conversation_changelist_filters_with_counts(admin_client, week):
    url = "/admin/support/conversation/"
    response = admin_client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "response target" in content
    assert "First reply late" in content
    # c2 and c4 replied late; c6 is overdue too, but only the SLA sweep marks that.
    late = admin_client.get(url, {"sla": "first_response_missed"})
    assert late.status_code == 200
    ids = {c.pk for c in late.context["cl"].result_list}
    assert ids == {week["c"][2].pk, week["c"][4].pk}
    bot = admin_client.get(url, {"resolved_by_bot__exact": "1"})
    assert {c.pk for c in bot.context["cl"].result_list} == {week["c"][5].pk}
    five_stars = admin_client.get(url, {"rating__score": "5"})
    assert five_stars.status_code == 200
    assert {c.pk for c in five_stars.context["cl"].result_list} == {week["c"][1].pk}


def test_rating_changelist_counts_by_score(admin_client, week):
    response = admin_client.get("/admin/ratings/rating/")
    assert response.status_code == 200
    content = response.content.decode()
    # Facet counts: one 5, one 3, one 2 (c7), one 1.
    assert "(1)" in content
    filtered = admin_client.get("/admin/ratings/rating/", {"score": "3"})
    assert [r.score for r in filtered.context["cl"].result_list] == [3]


def test_agent_time_zone_is_checked_in_the_admin(admin_client, week):
    sue = week["sue"]
    url = f"/admin/support/agentprofile/{sue.pk}/change/"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url,
        {
            "user": sue.user_id,
            "role": "supervisor",
            "display_name": "Sue",
            "capacity": 5,
            "presence": "offline",
            "time_zone": "Mars/Olympus",
        },
    )
    assert response.status_code == 200
    assert "Unknown time zone." in response.content.decode()
