"""Generated avatars: a member's initials on a colour that stays the same on every page."""

from app.web import AVATAR_COLOURS, avatar_colour, avatar_initials
from tests.factories import make_user
from tests.forum_factories import make_category, make_reply, make_topic


def test_initials_come_from_the_first_two_words_of_the_name():
    assert avatar_initials("Vera Lange") == "VL"
    assert avatar_initials("vera van der lange") == "VV"
    assert avatar_initials("omar_berg") == "OB"
    assert avatar_initials("Zoë") == "Z"
    assert avatar_initials("") == "?"


def test_a_member_keeps_one_colour_whatever_the_case_of_the_name():
    assert avatar_colour("vera") == avatar_colour("Vera")
    assert 0 <= avatar_colour("vera") < AVATAR_COLOURS
    assert len({avatar_colour(f"member{n}") for n in range(200)}) == AVATAR_COLOURS  # all colours get used


def test_topic_list_post_and_profile_show_the_same_avatar(client, db):
    author = make_user(db, username="vera", display_name="Vera Lange")
    topic = make_topic(db, author=author, category=make_category(db), title="The hub loses its Wi-Fi at night")
    make_reply(db, topic=topic)
    db.commit()
    badge = f'avatar-c{avatar_colour("vera")}" data-initials="VL" aria-hidden="true"'
    assert badge in client.get("/latest").text
    assert badge in client.get(f"/t/{topic.id}").text
    assert badge in client.get("/u/vera").text
