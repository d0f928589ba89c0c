"""The header leads each kind of member to the areas they may use, and to nothing else."""

from tests.factories import log_in, make_user


def _nav(client) -> str:
    return _nav_of(client, "/latest")


def _nav_of(client, path: str) -> str:
    page = client.get(path).text
    return page[page.index('<nav class="nav"'): page.index("</nav>")]


def test_anonymous_visitors_see_the_public_areas_only(client):
    nav = _nav(client)
    assert 'href="/leaderboard"' in nav and 'href="/ideas"' in nav
    assert 'href="/ambassadors"' not in nav and 'href="/labs"' not in nav and 'href="/mod/flags"' not in nav


def test_managers_reach_the_ambassador_pages_through_the_admin_index(client, db):
    log_in(client, make_user(db, roles=("manager",)))
    assert 'href="/admin"' in _nav(client)
    admin = client.get("/admin").text
    assert 'href="/ambassadors"' in admin and 'href="/ambassadors/reengagement"' in admin
    assert 'href="/ambassadors/reengagement"' in client.get("/ambassadors").text


def test_managers_and_admins_reach_insights(client, db):
    log_in(client, make_user(db, roles=("manager",)))
    assert 'href="/admin/insights"' in client.get("/admin").text
    assert 'href="/admin/insights/pipeline"' in client.get("/admin/insights").text


def test_the_admin_index_lists_only_the_tools_of_the_viewers_roles(client, db):
    log_in(client, make_user(db, roles=("moderator",)))
    admin = client.get("/admin").text
    assert 'href="/mod/flags"' in admin
    assert 'href="/ambassadors"' not in admin and 'href="/admin/mail"' not in admin


def test_admins_see_every_tool_on_the_admin_index(client, db):
    log_in(client, make_user(db, roles=("admin",)))
    admin = client.get("/admin").text
    for url in ("/mod/flags", "/ambassadors", "/admin/insights", "/ideas/areas", "/admin/categories", "/admin/karma", "/admin/mail", "/admin/webhooks"):
        assert f'href="{url}"' in admin


def test_members_without_a_tool_get_no_admin_link_and_a_403(client, db):
    log_in(client, make_user(db))
    assert 'href="/admin"' not in _nav(client)
    assert client.get("/admin").status_code == 403


def test_the_current_section_is_marked_in_the_header(client):
    nav = _nav_of(client, "/ideas")
    assert '<a href="/ideas" aria-current="page">' in nav
    assert 'href="/latest" aria-current' not in nav
    assert '<a href="/latest" aria-current="true">' in _nav_of(client, "/solved")


def test_members_get_no_manager_links(client, db):
    log_in(client, make_user(db))
    nav = _nav(client)
    assert 'href="/ambassadors"' not in nav and 'href="/labs"' not in nav
    assert 'href="/admin/insights"' not in nav
