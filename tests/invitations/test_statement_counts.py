"""The invitation, audit, roles and labs pages issue a constant number of statements, however many
rows they show (DESIGN §3.8)."""

from __future__ import annotations

from datetime import timedelta

from app.ambassadors import invitations
from tests.factories import log_in, make_user
from tests.factories import count_statements
from tests.forum_factories import make_category, make_topic


def _statements(client, connection, url: str) -> int:
    with count_statements(connection) as seen:
        assert client.get(url).status_code == 200, url
    return len(seen)


def _grow(db, settings, manager, clock, labs, n: int):
    for _ in range(n):
        member = make_user(db, roles=("helper", "labs"))
        member.last_seen_at = clock.now - timedelta(days=90)
        invitee = make_user(db)
        sent = invitations.invite(db, settings, user=invitee, role="ambassador", inviter_id=manager.id, message="",
                                  now=clock.now)
        invitations.accept(db, invitation_id=sent.id, user_id=invitee.id, now=clock.now)
        make_topic(db, category=labs, author=member)
    db.flush()


def test_pages_do_not_grow_with_their_rows(client, db, settings, connection, clock):
    manager = make_user(db, username="mgr", roles=("manager", "labs"))
    labs = make_category(db, slug="labs-beta", visibility="groups", groups=("labs",))
    urls = ["/ambassadors/invitations", "/ambassadors/audit", "/ambassadors/roles", "/labs"]
    _grow(db, settings, manager, clock, labs, 2)
    log_in(client, manager)
    client.get("/")  # the day's visit is recorded on the first page, not on the measured ones
    before = {url: _statements(client, connection, url) for url in urls}
    _grow(db, settings, manager, clock, labs, 6)
    after = {url: _statements(client, connection, url) for url in urls}
    assert after == before
