"""The health dashboard's figures on a small community, each worked out by hand."""

from __future__ import annotations

import csv
import io

import pytest

from app.insights import rollups, service
from app.insights.schemas import parse_period
from tests.factories import count_statements, log_in, make_user
from tests.insights import community
from tests.insights.community import NOW


@pytest.fixture
def example(db):
    built = community.build(db)
    rollups.rebuild(db, NOW)
    return built


def _report(db, category_id=None, days="7"):
    return service.health(db, parse_period(NOW, days), category_id, lambda s: s)


def _values(report):
    return {f.key: f.value for f in report.figures}


def test_members_dau_mau_and_stickiness(db, example):
    report = _report(db)
    values = _values(report)
    assert values["signups"] == 2 and report.figure("signups").previous == 1
    # 03-24: hana, ada; 03-25: hana; 03-30: hana -> 4 member-days over 7 days
    assert values["dau"] == 0.57 and report.figure("dau").previous == 0.29
    assert values["wau"] == 2  # hana, ada
    assert values["mau"] == 4  # hana, ada, quinn (03-18), sam (03-02)
    assert values["stickiness"] == pytest.approx(0.57 / 4)
    assert (values["active"], values["returning"], values["quiet"]) == (2, 1, 1)


def test_conversation_response_times_and_solved_share(db, example):
    values = _values(_report(db))
    assert (values["topics"], values["replies"], values["questions"]) == (5, 6, 4)
    assert values["answered"] == 0.75
    assert values["answered_24h"] == 0.5  # q1 in 1 h, q4 in 30 min; q2 waited 26 h
    assert values["solved"] == 0.5
    assert values["first_response_median"] == 3600  # of 1800, 3600, 93600 (nearest rank)
    assert values["first_response_p90"] == 93600
    assert values["accepted_median"] == 3600 and values["accepted_p90"] == 93600
    assert values["unanswered_now"] == 1
    report = _report(db)
    assert report.figure("first_response_median").previous == 600
    assert report.figure("solved").previous == 1.0


def test_webcare_shares_staff_against_community(db, example):
    values = _values(_report(db))
    assert values["staff_first_share"] == pytest.approx(1 / 3)
    assert values["community_first_share"] == pytest.approx(2 / 3)
    assert values["staff_accepted_share"] == 0.5 and values["community_accepted_share"] == 0.5
    assert values["staff_response_median"] == 14400  # q4 after 4 h, q2 after 26 h


def test_top_contributors_and_the_category_filter(db, example):
    report = _report(db)
    assert [(c.username, c.accepted, c.replies) for c in report.contributors] == [("hana", 1, 3), ("sam", 1, 2), ("ada", 0, 1)]
    only = _values(_report(db, example["elsewhere"].id))
    assert (only["topics"], only["replies"], only["questions"], only["unanswered_now"]) == (1, 1, 0, 0)
    assert only["signups"] == 2  # member figures stay community-wide


def test_chart_points_follow_the_days(db, example):
    report = _report(db)
    conversation = next(c for c in report.charts if c.key == "conversation")
    assert conversation.labels == ["03-24", "03-25", "03-26", "03-27", "03-28", "03-29", "03-30"]
    assert dict(conversation.series)["Replies"] == [1, 0, 2, 0, 2, 1, 0]


def test_long_periods_are_drawn_in_weeks(db, example):
    report = _report(db, days="365")
    assert len(report.charts[0].labels) == 53


@pytest.fixture
def manager_client(client, db, clock):
    clock.now = NOW
    log_in(client, make_user(db, username="maria", roles=("manager",)))
    return client


def test_the_page_shows_figures_charts_and_a_linked_unanswered_count(manager_client, db, example):
    page = manager_client.get("/admin/insights?days=7")
    assert page.status_code == 200
    assert page.text.count("<svg") >= 5 and "<script" not in page.text and "style=" not in page.text
    assert '<title id="chart-members-title">' in page.text and "Data table" in page.text
    assert '<a href="/unanswered">1</a>' in page.text
    assert 'href="/ambassadors/members/hana"' in page.text
    assert "1 h 0 min" in page.text  # median time to first response


def test_csv_and_json_carry_the_same_numbers(manager_client, db, example):
    rows = list(csv.DictReader(io.StringIO(manager_client.get("/admin/insights/health.csv?days=7").text)))
    by_key = {row["figure"]: row for row in rows}
    assert by_key["solved"]["value"] == "0.5000" and by_key["first_response_median"]["value"] == "3600"
    data = manager_client.get("/api/v1/insights/health?days=7").json()
    assert data["figures"]["solved"]["value"] == 0.5 and data["figures"]["mau"]["value"] == 4
    assert data["period"] == {"start": "2026-03-24", "end": "2026-03-30", "days": 7,
                              "previous_start": "2026-03-17", "previous_end": "2026-03-23"}
    points = manager_client.get("/admin/insights/health.csv?days=7&points=1").text
    assert "conversation,Replies,03-26,2" in points


def test_bad_input_gets_a_clear_answer(manager_client, db, example):
    api = manager_client.get("/api/v1/insights/health?days=12")
    assert api.status_code == 422 and set(api.json()) >= {"error", "detail"}
    assert manager_client.get("/api/v1/insights/health?category=999").status_code == 422
    wrong = manager_client.get("/api/v1/insights/health?start=2026-03-20&end=2026-03-10")
    assert wrong.status_code == 422 and "start" in wrong.json()["detail"]
    page = manager_client.get("/admin/insights?start=2026-13-01&end=2026-03-10")
    assert page.status_code == 422 and "Use a date like 2026-01-31." in page.text
    assert 'value="2026-13-01"' in page.text  # the entered text is kept


def test_members_and_anonymous_visitors_are_turned_away(client, db, example):
    assert client.get("/admin/insights", follow_redirects=False).status_code in (303, 401)
    log_in(client, make_user(db))
    assert client.get("/admin/insights").status_code == 403
    assert client.get("/api/v1/insights/pipeline").status_code == 403


def test_the_page_issues_the_same_statements_for_a_bigger_community(manager_client, db, connection, example):
    manager_client.get("/admin/insights?days=30")
    with count_statements(connection) as small:
        manager_client.get("/admin/insights?days=30")
    more = community.build_more(db)
    assert more > 20
    rollups.rebuild(db, NOW)
    with count_statements(connection) as big:
        page = manager_client.get("/admin/insights?days=30")
    assert page.status_code == 200
    assert len(big) == len(small)
