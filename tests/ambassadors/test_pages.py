"""Ambassador pages and API: managers and admins only (403 otherwise), opted-out members never
listed, and a member's own journey page showing their stage."""

from __future__ import annotations

import pytest

from app.ambassadors.service import run_scoring
from tests.ambassadors.conftest import NOW
from tests.conftest import post_form
from tests.factories import count_statements, log_in, make_user


@pytest.fixture
def scored(db, settings, town, clock):
    clock.now = NOW
    run_scoring(db, settings, NOW)
    return town


@pytest.mark.parametrize("path", [
    "/ambassadors", "/ambassadors?profile=moderator", "/ambassadors/journey", "/ambassadors/backtest",
    "/ambassadors/members/alice", "/api/v1/ambassadors/candidates",
])
def test_members_and_moderators_get_403(client, db, scored, path):
    log_in(client, make_user(db, username="moddy", roles=("moderator",)))
    assert client.get(path).status_code == 403


def test_anonymous_visitors_must_log_in(client, scored):
    assert client.get("/api/v1/ambassadors/candidates").status_code == 401


def test_a_manager_sees_candidates_with_reasons_and_flags(client, db, scored):
    log_in(client, make_user(db, username="manny", roles=("manager",)))
    page = client.get("/ambassadors?profile=helper")
    assert page.status_code == 200
    assert "Alice" in page.text
    assert "had about 1 answer accepted or upvoted recently (the last month weighs most); a typical active member: none" in page.text
    assert "Votes from few accounts" in page.text  # frank's flag, stated openly
    assert "Lowered by" in page.text
    api = client.get("/api/v1/ambassadors/candidates?profile=helper").json()
    assert api["candidates"]["items"][0]["username"] == "alice"
    frank = next(c for c in api["candidates"]["items"] if c["username"] == "frank")
    assert {r["signal"] for r in frank["reasons"] if r["effect"] == "penalty"} == {"vote_concentration", "karma_reversed"}
    assert client.get("/ambassadors/members/frank").status_code == 200
    assert client.get("/ambassadors/journey").status_code == 200
    assert client.get("/ambassadors?profile=nonsense").status_code == 404


def test_opted_out_members_never_appear(client, db, settings, town, clock):
    clock.now = NOW
    town["alice"].ambassador_opt_out = True
    db.flush()
    run_scoring(db, settings, NOW)
    log_in(client, make_user(db, username="admina", roles=("admin",)))
    for profile in ("helper", "moderator", "ambassador", "labs"):
        assert "@alice" not in client.get(f"/ambassadors?profile={profile}").text
        names = [c["username"] for c in client.get(f"/api/v1/ambassadors/candidates?profile={profile}").json()["candidates"]["items"]]
        assert "alice" not in names and "frank" in names


def test_opting_out_on_the_preferences_page(client, db, town, clock):
    clock.now = NOW
    alice = town["alice"]
    log_in(client, alice)
    response = post_form(client, "/u/alice/preferences", {"display_name": "Alice", "bio": "", "locale": "",
                                                           "ambassador_opt_out": "1"}, follow_redirects=False)
    assert response.status_code == 303
    db.refresh(alice)
    assert alice.ambassador_opt_out is True


def test_a_member_sees_their_own_stage_and_next_step_but_not_others(client, db, scored):
    log_in(client, scored["alice"])
    page = client.get("/u/alice/journey")
    assert page.status_code == 200
    assert "Your stage: Regular" not in page.text
    assert "Your stage: Helper" in page.text  # 3 answers to others, 2 accepted
    assert "Next step:" in page.text
    assert client.get("/api/v1/users/alice/journey").json()["stage"] == "helper"
    assert client.get("/u/bob/journey").status_code == 403
    assert client.get("/api/v1/users/bob/journey").status_code == 403


def test_backtest_form_rejects_bad_input_and_keeps_it(client, db, scored):
    log_in(client, make_user(db, username="manny", roles=("manager",)))
    page = client.get("/ambassadors/backtest?cutoff=31.01.2026&horizon=abc")
    assert page.status_code == 422
    assert 'value="31.01.2026"' in page.text and "Use a date like" in page.text
    page = client.get("/ambassadors/backtest?cutoff=2026-04-01&horizon=30")
    assert page.status_code == 200 and "tl3_like" in page.text


def test_the_funnel_counts_stages_and_this_months_moves(client, db, settings, town, clock):
    from datetime import timedelta

    from app.ambassadors import views

    clock.now = NOW
    run_scoring(db, settings, NOW - timedelta(days=40))  # last month: alice had one answer to others
    run_scoring(db, settings, NOW)
    funnel = views.funnel(db, NOW)
    assert sum(count for _stage, count in funnel.counts) == len(town)
    assert dict(funnel.counts)["helper"] == 1
    moves = {(before, after): count for before, after, count, _way in funnel.moves}
    assert moves[("contributor", "helper")] == 1  # alice
    assert funnel.up >= 1
    log_in(client, make_user(db, username="manny", roles=("manager",)))
    page = client.get("/ambassadors/journey")
    assert "1 from Contributor to Helper" in page.text


def test_a_manager_can_start_a_run_from_the_page(client, db, town, clock):
    from sqlalchemy import func, select

    from app.ambassadors.models import ScoringRun

    clock.now = NOW
    log_in(client, make_user(db, username="manny", roles=("manager",)))
    response = post_form(client, "/ambassadors/runs", {}, token_from="/ambassadors", follow_redirects=False)
    assert response.status_code == 303
    assert db.scalar(select(func.count()).select_from(ScoringRun)) == 1
    assert "@alice" in client.get("/ambassadors").text


def _statements(connection, client, path):
    with count_statements(connection) as seen:
        assert client.get(path).status_code == 200
    return len(seen)


def test_pages_issue_the_same_statements_whatever_the_number_of_members(client, db, settings, town, clock, connection):
    from datetime import timedelta

    clock.now = NOW
    log_in(client, make_user(db, username="manny", roles=("manager",)))
    run_scoring(db, settings, NOW - timedelta(days=1))
    run_scoring(db, settings, NOW)
    paths = ("/ambassadors", "/ambassadors/journey", "/ambassadors/members/alice")
    client.get("/ambassadors")  # the first request of the day records the visit
    few = {path: _statements(connection, client, path) for path in paths}
    for n in range(15):
        make_user(db, username=f"extra{n}", created_at=NOW - timedelta(days=50))
    run_scoring(db, settings, NOW + timedelta(hours=1))
    many = {path: _statements(connection, client, path) for path in paths}
    assert many == few


def test_reasons_name_the_configured_window(client, db, settings, town, clock):
    clock.now = NOW
    run_scoring(db, settings.model_copy(update={"ambassador_window_days": 30}), NOW)
    log_in(client, make_user(db, username="manny", roles=("manager",)))
    # The helper profile reasons from recency-weighted counts; the ambassador profile from windows.
    api = client.get("/api/v1/ambassadors/candidates?profile=ambassador").json()
    alice = next(c for c in api["candidates"]["items"] if c["username"] == "alice")
    texts = [reason["text"] for reason in alice["reasons"]]
    assert any("in 30 days" in text for text in texts), texts
    assert not any("90 days" in text for text in texts), texts
