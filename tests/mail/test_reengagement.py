"""Re-engagement: who is listed and in which order, each nudge limit (403/409, nothing changed),
the e-mail's content (visible open questions, changes, unsubscribe), automatic nudges, the return
rate on a hand-built history, and access for managers and admins only."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.accounts.models import Group, UserVisit
from app.ambassadors import reengagement, reengagement_rates
from app.ambassadors.models import MemberScore, ScoringRun
from app.ambassadors.reengagement_models import Nudge
from app.forum.models import CategoryGroup, NotificationSetting
from app.mail import OutboxEmail
from tests.ambassadors import community as c
from tests.conftest import post_form
from tests.factories import count_statements, log_in, make_user

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
D = timedelta(days=1)
JOINED = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)


def visit(db, user, days_ago: int) -> None:
    db.add(UserVisit(user_id=user.id, day=(NOW - days_ago * D).date(), posts_read=1))
    db.flush()


def scores(db, as_of, ranked) -> None:
    run = ScoringRun(as_of=as_of, trigger="test", model_version="test")
    db.add(run)
    db.flush()
    for rank, user in enumerate(ranked, start=1):
        db.add(MemberScore(run_id=run.id, user_id=user.id, profile="helper", score=100.0 - rank * 5, rank=rank))
    db.flush()


@pytest.fixture
def quiet(db, clock):
    """Eight scored helpers (top quarter: ranks 1-2) and a few quiet members."""
    clock.now = NOW
    m = {name: make_user(db, username=name, created_at=JOINED) for name in
         ("ana", "hal", "bea", "cai", "dot", "eli", "fay", "gus", "ned")}
    for name, days in {"ana": 20, "hal": 10, "bea": 100, "cai": 40, "dot": 3, "eli": 1, "fay": 2, "gus": 5, "ned": 35}.items():
        visit(db, m[name], days + 200)  # older visits do not matter: the newest one counts
        visit(db, m[name], days)
    scores(db, NOW - 60 * D, [m["cai"], m["ana"], m["hal"], m["bea"], m["dot"], m["eli"], m["fay"], m["gus"]])
    scores(db, NOW - 2 * D, [m["ana"], m["hal"], m["cai"], m["bea"], m["dot"], m["eli"], m["fay"], m["gus"]])
    return m


def names(listed):
    return [row.username for row in listed]


def test_lapsed_champions_come_first_then_the_most_recently_quiet(db, settings, quiet):
    listed = reengagement.lapsed_members(db, settings, NOW)
    # ana and hal: top quarter of their newest run, quiet 20 and 10 days; cai led an older run only.
    assert names(listed) == ["ana", "hal", "ned", "cai", "bea"]
    assert [row.champion for row in listed] == [True, True, False, False, False]
    assert [row.quiet_days for row in listed] == [20, 10, 35, 40, 100]
    assert listed[0].helper_score == 95.0 and listed[2].helper_score is None


def test_the_page_lists_them_for_managers_in_that_order(db, client, quiet):
    log_in(client, make_user(db, username="boss", roles=("manager",)))
    page = client.get("/ambassadors/reengagement")
    assert page.status_code == 200
    positions = [page.text.index(f"@{name}") for name in ("ana", "hal", "ned", "cai", "bea")]
    assert positions == sorted(positions)
    assert "@dot" not in page.text and "@eli" not in page.text
    assert page.text.count("Lapsed champion") == 2


@pytest.mark.parametrize("roles", [(), ("moderator",), ("helper",)])
def test_only_managers_and_admins_reach_re_engagement(db, client, quiet, roles):
    log_in(client, make_user(db, username="someone", roles=roles))
    assert client.get("/ambassadors/reengagement").status_code == 403
    assert client.get("/ambassadors/reengagement/ana").status_code == 403
    response = post_form(client, "/ambassadors/reengagement/ana", {"subject": "Hi", "body": "x" * 40}, token_from="/")
    assert response.status_code == 403
    assert db.scalar(select(func.count(Nudge.id))) == 0


def _counts(db):
    return db.scalar(select(func.count(Nudge.id))), db.scalar(select(func.count(OutboxEmail.id)))


def test_a_manager_approves_an_edited_note_and_the_limits_follow(db, client, clock, quiet, settings):
    boss = make_user(db, username="boss", roles=("manager",))
    log_in(client, boss)
    form = client.get("/ambassadors/reengagement/ana")
    assert form.status_code == 200 and "Ana" in form.text and "misses you" in form.text
    body = "Hello Ana, we miss your answers. Come by when you have a minute?"
    sent = post_form(client, "/ambassadors/reengagement/ana", {"subject": "We miss you", "body": body},
                     token_from="/ambassadors/reengagement/ana", follow_redirects=False)
    assert sent.status_code == 303
    email = db.scalars(select(OutboxEmail).where(OutboxEmail.kind == "reengage")).one()
    assert email.to_address == "ana@example.org" and email.subject == "We miss you"
    assert body in email.body_text and body in email.body_html
    assert email.unsubscribe_url.startswith(f"{settings.base_url}/notifications/unsubscribe/")
    nudge = db.scalars(select(Nudge)).one()
    assert (nudge.user_id, nudge.mode, nudge.quiet_days, nudge.band) == (quiet["ana"].id, "manual", 20, "7–29")

    before = _counts(db)
    again = post_form(client, "/ambassadors/reengagement/ana", {"subject": "Again", "body": body}, token_from="/")
    assert again.status_code == 409
    assert "the next nudge is possible on 2026-07-01" in again.text
    assert _counts(db) == before
    assert "was nudged less than 30 days ago" in client.get("/ambassadors/reengagement").text

    clock.advance(days=30)
    log_in(client, boss)  # the login session of 30 days has run out
    later = post_form(client, "/ambassadors/reengagement/ana", {"subject": "Again", "body": body}, token_from="/",
                      follow_redirects=False)
    assert later.status_code == 303
    assert _counts(db) == (before[0] + 1, before[1] + 1)


def test_no_nudge_after_three_unanswered_ones(db, client, clock, quiet, settings):
    bea = quiet["bea"]  # last visit 100 days ago
    for days_ago in (90, 59, 28):
        reengagement.send_nudge(db, settings, user_id=bea.id, subject="Hi", body="We would love to see you back.",
                                now=NOW - days_ago * D, by_id=None)
    log_in(client, make_user(db, username="boss", roles=("admin",)))
    before = _counts(db)
    clock.advance(days=10)
    response = post_form(client, "/ambassadors/reengagement/bea", {"subject": "Hi", "body": "x" * 40}, token_from="/")
    assert response.status_code == 409
    assert "did not come back after 3 nudges" in response.text
    assert _counts(db) == before
    # A visit after the nudges answers them: nudging may start again once she is quiet.
    visit(db, bea, -2)
    clock.advance(days=10)
    assert reengagement.check_nudge(db, settings, bea.id, clock.now).id == bea.id


def test_opted_out_members_are_never_nudged(db, client, quiet):
    quiet["ned"].ambassador_opt_out = True
    db.add(NotificationSetting(user_id=quiet["cai"].id, kind="reengage", email=False))
    db.flush()
    log_in(client, make_user(db, username="boss", roles=("manager",)))
    before = _counts(db)
    ned = post_form(client, "/ambassadors/reengagement/ned", {"subject": "Hi", "body": "x" * 40}, token_from="/")
    assert ned.status_code == 403 and "asked not to be approached about community roles" in ned.text
    cai = post_form(client, "/ambassadors/reengagement/cai", {"subject": "Hi", "body": "x" * 40}, token_from="/")
    assert cai.status_code == 403 and "turned these e-mails off" in cai.text
    dot = post_form(client, "/ambassadors/reengagement/dot", {"subject": "Hi", "body": "x" * 40}, token_from="/")
    assert dot.status_code == 409 and "nudges are for quiet members" in dot.text
    assert _counts(db) == before


def test_a_bad_note_is_shown_again_with_what_was_typed(db, client, quiet):
    log_in(client, make_user(db, username="boss", roles=("manager",)))
    response = post_form(client, "/ambassadors/reengagement/ana", {"subject": "Keep this subject", "body": "short"},
                         token_from="/")
    assert response.status_code == 422
    assert 'value="Keep this subject"' in response.text and ">short</textarea>" in response.text
    assert 'aria-describedby="h-body e-body"' in response.text
    assert _counts(db) == (0, 0)


def test_the_e_mail_names_changes_and_open_questions_the_member_may_see(db, settings, quiet):
    ana, asker = quiet["ana"], quiet["eli"]
    public = c.category(db, JOINED)
    staff = c.category(db, JOINED)
    staff.visibility = "groups"
    db.add(CategoryGroup(category_id=staff.id, group_id=db.scalar(select(Group.id).where(Group.name == "moderator"))))
    old, _ = c.ask(db, public, asker, NOW - 50 * D)
    c.answer(db, old, ana, NOW - 49 * D)
    open_ids = [c.ask(db, public, asker, NOW - days_ago * D)[0].id for days_ago in (15, 5)]
    secret, _ = c.ask(db, staff, asker, NOW - 1 * D)
    secret.title = "Secret staff question"
    db.flush()
    reengagement.send_nudge(db, settings, user_id=ana.id, subject="Hi", body="We would love to see you back.",
                            now=NOW, by_id=None)
    email = db.scalars(select(OutboxEmail).where(OutboxEmail.kind == "reengage")).one()
    draft = reengagement.draft(db, settings, ana, NOW, "Team")
    assert [(change.name, change.new_topics) for change in draft.changes] == [(public.name, 2)]
    assert f"{public.name}: 2 new topics" in draft.body
    linked = {int(x) for x in re.findall(re.escape(settings.base_url) + r"/t/(\d+)", email.body_text)}
    assert linked == set(open_ids)  # the answered question and the staff-only one are left out
    assert "Secret staff question" not in email.body_text and "Secret staff question" not in email.body_html
    assert "Stop these e-mails with one click" in email.body_text


def test_automatic_nudges_follow_the_switch_and_the_limits(db, client, settings, quiet):
    assert reengagement.auto_job(db, NOW, settings) == {"enabled": False, "sent": 0}
    log_in(client, make_user(db, username="boss", roles=("manager",)))
    assert post_form(client, "/ambassadors/reengagement/auto", {"enabled": "1"}, token_from="/ambassadors/reengagement",
                     follow_redirects=False).status_code == 303
    assert reengagement.auto_nudges_on(db)
    first = reengagement.auto_job(db, NOW, settings)
    assert first == {"enabled": True, "sent": 5}
    assert set(db.scalars(select(Nudge.mode))) == {"auto"}
    assert reengagement.auto_job(db, NOW + D, settings)["sent"] == 0  # 30-day spacing


def test_return_rate_against_comparable_members_on_a_hand_built_history(db, settings):
    d0 = NOW - 40 * D
    people = {name: make_user(db, username=name, created_at=JOINED) for name in ("p1", "p2", "p3", "q1", "q2", "q3", "r1")}
    for name in ("p1", "p2", "q1", "q2", "q3"):
        db.add(UserVisit(user_id=people[name].id, day=(d0 - 35 * D).date()))
    db.add(UserVisit(user_id=people["r1"].id, day=(d0 - 10 * D).date()))
    db.flush()
    for name in ("p1", "p2"):
        reengagement.send_nudge(db, settings, user_id=people[name].id, subject="Hi", body="We would love to see you back.",
                                now=d0, by_id=None)
    for name, days_after in (("p1", 3), ("q1", 10), ("q2", 20), ("r1", 1), ("p3", 5)):
        db.add(UserVisit(user_id=people[name].id, day=(d0 + days_after * D).date()))
    db.flush()
    reengagement.send_nudge(db, settings, user_id=people["p3"].id, subject="Hi", body="We would love to see you back.",
                            now=NOW - 5 * D, by_id=None)
    rows, overall, pending = reengagement_rates.return_rates(db, NOW)
    by_band = {row.band: row for row in rows}
    assert (by_band["30–89"].nudged, by_band["30–89"].nudged_returned) == (2, 1)
    assert (by_band["30–89"].compared, by_band["30–89"].compared_returned) == (3, 1)
    assert (by_band["7–29"].nudged, by_band["7–29"].compared, by_band["7–29"].compared_returned) == (0, 1, 1)
    assert (overall.nudged_rate, overall.compared_rate) == (0.5, 0.5)
    assert pending == 1
    assert reengagement_rates.percent(by_band["30–89"].compared_rate) == "33%"


def test_the_page_shows_the_return_rates(db, client, settings, clock):
    clock.now = NOW
    member = make_user(db, username="gone", created_at=JOINED)
    db.add(UserVisit(user_id=member.id, day=date(2026, 3, 1)))
    db.flush()
    reengagement.send_nudge(db, settings, user_id=member.id, subject="Hi", body="We would love to see you back.",
                            now=NOW - 30 * D, by_id=None)
    db.add(UserVisit(user_id=member.id, day=(NOW - 25 * D).date()))
    db.flush()
    log_in(client, make_user(db, username="boss", roles=("admin",)))
    page = client.get("/ambassadors/reengagement")
    assert re.search(r'class="reengage-nudged-rate">100%<', page.text)


def _statements(connection, client, path):
    with count_statements(connection) as seen:
        assert client.get(path).status_code == 200
    return len(seen)


def test_the_page_issues_the_same_statements_whatever_the_number_of_members(db, client, settings, quiet, connection):
    log_in(client, make_user(db, username="boss", roles=("manager",)))
    reengagement.send_nudge(db, settings, user_id=quiet["bea"].id, subject="Hi", body="We would love to see you back.",
                            now=NOW - 20 * D, by_id=None)
    client.get("/ambassadors/reengagement")  # the first request of the day records the visit
    few = _statements(connection, client, "/ambassadors/reengagement")
    for n in range(12):
        extra = make_user(db, username=f"extra{n}", created_at=JOINED)
        visit(db, extra, 40 + n)
        reengagement.send_nudge(db, settings, user_id=extra.id, subject="Hi", body="We would love to see you back.",
                                now=NOW - 20 * D, by_id=None)
    assert len(reengagement.lapsed_members(db, settings, NOW)) == 17
    assert _statements(connection, client, "/ambassadors/reengagement") == few
