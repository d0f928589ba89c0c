"""The header leads each kind of member to the areas they may use, and to nothing else."""

from tests.factories import log_in, make_user


def _nav(client) -> str:
    page = client.get("/latest").text
    return page[page.index('<nav class="nav"'): page.index("</nav>")]


def test_anonymous_visitors_see_the_public_areas_only(client):
    nav = _nav(client)
    assert 'href="/leaderboard"' in nav and 'href="/ideas"' in nav
    assert 'href="/ambassadors"' not in nav and 'href="/labs"' not in nav and 'href="/mod/flags"' not in nav


def test_managers_reach_the_ambassador_pages_and_from_there_re_engagement(client, db):
    log_in(client, make_user(db, roles=("manager",)))
    assert 'href="/ambassadors"' in _nav(client)
    assert 'href="/ambassadors/reengagement"' in client.get("/ambassadors").text


def test_managers_and_admins_reach_insights(client, db):
    log_in(client, make_user(db, roles=("manager",)))
    assert 'href="/admin/insights"' in _nav(client)
    assert 'href="/admin/insights/pipeline"' in client.get("/admin/insights").text


def test_members_get_no_manager_links(client, db):
    log_in(client, make_user(db))
    nav = _nav(client)
    assert 'href="/ambassadors"' not in nav and 'href="/labs"' not in nav
    assert 'href="/admin/insights"' not in nav
