"""Explanations in plain words: medians among members active in the window, counts in the right
plural form in every language, only reasons that really move the score, capped or missing values in
words, and "active" instead of "visited" on imported data."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import update

from app.accounts.models import UserVisit
from app.ambassadors import explain, views
from app.ambassadors.service import run_scoring
from app.i18n import translate
from app.web import translations_for
from tests.ambassadors.conftest import NOW
from tests.factories import log_in, make_user


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _manager_page(client, db, profile: str, language: str = "en") -> str:
    log_in(client, make_user(db, username="manny", roles=("manager",)))
    return _text(client.get(f"/ambassadors?profile={profile}", headers={"Accept-Language": language}).text)


def test_medians_are_taken_among_members_active_in_the_window(client, db, settings, town, clock):
    clock.now = NOW
    for n in range(20):  # registered long ago, never seen: they must not drag every median to 0
        make_user(db, username=f"idle{n}", created_at=NOW - timedelta(days=300))
    run_scoring(db, settings, NOW)
    page = _manager_page(client, db, "moderator")
    # ring1 voted 5 times; of the 8 members active in the window, the typical one voted twice.
    assert "voted 5 times in 90 days; a typical active member: 2" in page


def test_counts_take_the_plural_form_of_each_language(client, db, settings, town, clock):
    clock.now = NOW
    run_scoring(db, settings, NOW)
    english = _manager_page(client, db, "moderator")
    assert "raised 1 flag moderators agreed with in 90 days" in english
    assert "raised 1 flags" not in english
    german = _text(client.get("/ambassadors?profile=moderator", headers={"Accept-Language": "de"}).text)
    assert "hat in 90 Tagen 1 Meldung gemacht, der die Moderation zustimmte" in german
    dutch = _text(client.get("/ambassadors?profile=moderator", headers={"Accept-Language": "nl"}).text)
    assert "deed 1 melding waarmee moderators instemden in 90 dagen" in dutch
    item = {"signal": "flags_agreed", "effect": "lifts", "value": 3, "median": 0, "days": 90}
    assert translate(translations_for("de"), explain.sentence(item)).startswith("hat in 90 Tagen 3 Meldungen gemacht")


def test_only_reasons_that_really_move_the_score_are_given():
    values = {"answers": 12, "current_streak": 1, "days_since_visit": 69, "tenure_days": 400, "replies": 3}
    medians = {"answers": 1, "current_streak": 0, "days_since_visit": 4, "tenure_days": 200, "replies": 3}
    pushes = {
        "answers": 1.0,
        "current_streak": 0.5,  # "visiting 1 day in a row": too small to be a reason
        "days_since_visit": 0.4,  # 69 days away while the typical active member came 4 days ago: not a lift
        "replies": 0.3,  # exactly the median: says nothing
        "tenure_days": 0.05,  # a push this small beside the strongest does not move the score
    }
    items = explain.reasons(values, medians, pushes, {}, 90)
    assert [(item["signal"], item["effect"]) for item in items] == [("answers", "lifts")]
    lowered = explain.reasons(values, medians, {"answers": 1.0, "days_since_visit": -0.6}, {}, 90)
    assert [(item["signal"], item["effect"]) for item in lowered] == [("answers", "lifts"), ("days_since_visit", "lowers")]
    assert str(explain.sentence(lowered[1])) == "last visit 69 days ago; a typical active member: 4"


def test_capped_or_missing_values_are_said_in_words():
    never = {"signal": "response_hours", "effect": "lowers", "value": 2160.0, "median": 2160.0, "days": 90}
    assert str(explain.sentence(never)) == "has not yet answered a question first in 90 days"
    quick = {"signal": "response_hours", "effect": "lifts", "value": 2.5, "median": 2160.0, "days": 90}
    assert str(explain.sentence(quick)) == (
        "answers first within 2.5 hours (median of their first answers); most active members have not answered first")
    assert "2160" not in translate(translations_for("nl"), explain.sentence(quick))


def test_imported_communities_read_active_instead_of_visited(client, db, settings, town, clock):
    clock.now = NOW
    db.execute(update(UserVisit).values(derived=True))  # as the importer writes days with activity
    run_scoring(db, settings, NOW)
    page = _manager_page(client, db, "moderator")
    assert "was active on 7 days of the last 90" in page
    assert "visited on" not in page


def test_helper_reasons_say_recent_counts_in_whole_numbers_and_words(client, db, settings, town, clock):
    clock.now = NOW
    run_scoring(db, settings, NOW)
    english = _manager_page(client, db, "helper")
    alice = english.split("@alice")[1].split("@carol")[0]
    assert "had about 1 answer accepted or upvoted recently (the last month weighs most); a typical active member: none" in alice
    assert "posted on about 2 days recently (the last month weighs most); a typical active member: none" in alice
    assert "first posted 199 days ago; a typical active member: 25 days ago" in alice
    assert "counting most" not in english
    assert not re.search(r"Lifts: [^L]*\d\.\d", english)  # no decayed weight such as 0.7 in any reason
    german = _text(client.get("/ambassadors?profile=helper", headers={"Accept-Language": "de"}).text)
    assert ("hatte zuletzt etwa 1 akzeptierte oder positiv bewertete Antwort (der letzte Monat zählt am meisten); "
            "ein typisches aktives Mitglied: keine") in german
    assert "erster Beitrag vor 199 Tagen; ein typisches aktives Mitglied: vor 25 Tagen" in german
    dutch = _text(client.get("/ambassadors?profile=helper", headers={"Accept-Language": "nl"}).text)
    assert "plaatste recent op ongeveer 1 dag berichten (de laatste maand telt het zwaarst); een typisch actief lid: geen" in dutch


def test_a_recent_count_that_rounds_to_the_median_is_no_reason():
    values = {"answers_7d": 0.3, "helpful_30d": 2.6, "answers_90d": 1.2}
    medians = {"answers_7d": 0.0, "helpful_30d": 0.4, "answers_90d": 0.8}
    pushes = {"answers_7d": 1.0, "helpful_30d": 0.9, "answers_90d": 0.5}
    items = explain.reasons(values, medians, pushes, {}, 90)
    # 0.3 against 0.0 and 1.2 against 0.8 both read "about the same": only the helpful answers remain.
    assert [(item["signal"], item["value"], item["median"]) for item in items] == [("helpful_30d", 3, 0)]
    assert str(explain.sentence(items[0])) == (
        "had about 3 answers accepted or upvoted recently (the last month weighs most); a typical active member: none")
    # Runs stored before whole numbers kept one decimal: the same rule holds when they are shown.
    stored = [{"signal": "answers_7d", "effect": "lifts", "value": 0.3, "median": 0.0, "days": 90},
              {"signal": "answers_30d", "effect": "lifts", "value": 1.4, "median": 0.2, "days": 90}]
    shown = [str(text) for _effect, text in views.sentences(stored)]
    assert shown == ["answered about 1 question of other members recently (the last month weighs most); "
                     "a typical active member: none"]


def test_every_members_reasons_at_once_match_the_reasons_of_each_member():
    import numpy as np

    from app.ambassadors.signals import FEATURES, SIGNALS

    names = [s.name for s in SIGNALS]
    rng = np.random.default_rng(5)
    values = np.round(rng.choice([0.0, 0.05, 0.15, 1.0, 2.5, 3.0, 7.0, 2160.0], size=(300, len(names))), 4)
    pushes = np.zeros_like(values)
    features = [names.index(name) for name in FEATURES]
    # Equal pushes (ties on size) and pushes below the strongest's share, as real models give.
    pushes[:, features] = rng.choice([0.0, 0.0, -0.2, 0.01, 0.2, 0.5, -0.5, 1.0], size=(300, len(features)))
    medians = {name: float(rng.choice([0.0, 1.0, 2.5, 0.15])) for name in names}
    points = [{"suspensions": 20} if i % 7 == 0 else {} for i in range(300)]
    points[3] = {"vote_concentration": 12, "flags_against": 10}
    all_at_once = explain.reasons_of_all(names, values, medians, pushes, points, 60)
    for i in range(300):
        size = np.abs(pushes[i])
        kth = np.sort(size)[::-1][explain.MAX_REASONS - 1]
        strongest = {names[j]: float(pushes[i, j]) for j in range(len(names)) if size[j] >= kth and size[j] > 1e-9}
        one = explain.reasons(dict(zip(names, values[i].tolist())), medians, strongest, points[i], 60)
        assert json.dumps(all_at_once[i]) == json.dumps(one), i  # as stored: 3 and 3.0 differ there
