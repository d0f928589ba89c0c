from tests.factories import make_user
from tests.forum_factories import make_category, make_reply, make_topic


def test_factories_build_a_topic_with_a_reply(db, clock):
    asker = make_user(db, roles=("labs",))
    topic = make_topic(db, author=asker, category=make_category(db, visibility="groups", groups=("labs",)), tags=["Python", "sql"], now=clock.now)
    reply = make_reply(db, topic=topic, now=clock.advance(minutes=5))
    assert reply.post_number == 2
    assert topic.reply_count == 1
    assert topic.first_response_seconds == 300
