"""Plain-words explanations: the signals that really lift or lower a member's score, with the
member's value beside the median of the members active in the window, and penalties stated openly
with the points they cost. Counts are worded through ngettext; capped or missing values in words."""

from __future__ import annotations

from app.ambassadors.signals import GOOD, LOWER_IS_BETTER, PENALTIES, SIGNAL_BY_NAME, Snapshot
from app.i18n import N_, Msg, nMsg

MAX_REASONS = 4
# A push smaller than this share of the member's strongest push does not really move the score.
MIN_SHARE_OF_STRONGEST = 0.15
# Lifts too small to be worth a sentence ("visiting 1 day in a row").
MIN_LIFT_VALUE = {"current_streak": 3, "longest_streak": 3}
# Signals whose value is a day count of presence: on imported data they say "active", not "visited".
PRESENCE = ("days_visited", "longest_streak", "current_streak", "days_since_visit")
# A member counts as active in the window with a visit, a post or a vote in it.
ACTIVE_IN_WINDOW = ("days_visited", "topics", "replies", "votes_given")

# Recency-weighted counts (each event weighs exp(-age / scale)) and the scale that weighs most.
DECAYED_SCALE = {
    "answers_7d": N_("the last week weighs most"), "answers_30d": N_("the last month weighs most"),
    "answers_90d": N_("the last three months weigh most"), "helpful_30d": N_("the last month weighs most"),
    "helpful_90d": N_("the last three months weigh most"), "topics_30d": N_("the last month weighs most"),
    "comments_30d": N_("the last month weighs most"), "active_days_30d": N_("the last month weighs most"),
    "active_days_90d": N_("the last three months weigh most"),
}

PENALTY_RULES = {
    "vote_concentration": N_("Lowered by %(points)s points: most upvotes come from a few accounts."),
    "karma_reversed": N_("Lowered by %(points)s points: the anti-gaming check reversed karma."),
    "flags_against": N_("Lowered by %(points)s points: moderators upheld flags against their posts."),
    "suspensions": N_("Lowered by %(points)s points: they were suspended."),
}


def _counted(name: str, value: int, median, days: int, imported: bool) -> Msg | None:
    """The sentence of a count signal, in the plural form its value needs (None: no wording here)."""
    p = {"median": median, "days": days}
    if name == "days_visited" and imported:
        return nMsg("was active on %(num)s day of the last %(days)s; a typical active member: %(median)s",
                    "was active on %(num)s days of the last %(days)s; a typical active member: %(median)s", value, **p)
    if name == "longest_streak" and imported:
        return nMsg("longest run of active days: %(num)s day; a typical active member: %(median)s",
                    "longest run of active days: %(num)s days; a typical active member: %(median)s", value, **p)
    if name == "current_streak" and imported:
        return nMsg("active %(num)s day in a row up to yesterday; a typical active member: %(median)s",
                    "active %(num)s days in a row up to yesterday; a typical active member: %(median)s", value, **p)
    if name == "days_since_visit" and imported:
        return nMsg("last active %(num)s day ago; a typical active member: %(median)s",
                    "last active %(num)s days ago; a typical active member: %(median)s", value, **p)
    words = {
        "days_visited": lambda: nMsg(
            "visited on %(num)s day of the last %(days)s; a typical active member: %(median)s",
            "visited on %(num)s days of the last %(days)s; a typical active member: %(median)s", value, **p),
        "longest_streak": lambda: nMsg(
            "longest run of daily visits: %(num)s day; a typical active member: %(median)s",
            "longest run of daily visits: %(num)s days; a typical active member: %(median)s", value, **p),
        "current_streak": lambda: nMsg(
            "visited %(num)s day in a row up to yesterday; a typical active member: %(median)s",
            "visited %(num)s days in a row up to yesterday; a typical active member: %(median)s", value, **p),
        "days_since_visit": lambda: nMsg(
            "last visit %(num)s day ago; a typical active member: %(median)s",
            "last visit %(num)s days ago; a typical active member: %(median)s", value, **p),
        "tenure_days": lambda: nMsg(
            "member for %(num)s day; a typical active member: %(median)s",
            "member for %(num)s days; a typical active member: %(median)s", value, **p),
        "topics": lambda: nMsg(
            "started %(num)s topic in %(days)s days; a typical active member: %(median)s",
            "started %(num)s topics in %(days)s days; a typical active member: %(median)s", value, **p),
        "replies": lambda: nMsg(
            "wrote %(num)s reply in %(days)s days; a typical active member: %(median)s",
            "wrote %(num)s replies in %(days)s days; a typical active member: %(median)s", value, **p),
        "answers": lambda: nMsg(
            "answered %(num)s question of other members in %(days)s days; a typical active member: %(median)s",
            "answered %(num)s questions of other members in %(days)s days; a typical active member: %(median)s", value, **p),
        "answers_all": lambda: nMsg(
            "answered %(num)s question of other members in all; a typical active member: %(median)s",
            "answered %(num)s questions of other members in all; a typical active member: %(median)s", value, **p),
        "accepted": lambda: nMsg(
            "had %(num)s answer accepted in %(days)s days; a typical active member: %(median)s",
            "had %(num)s answers accepted in %(days)s days; a typical active member: %(median)s", value, **p),
        "accepted_all": lambda: nMsg(
            "had %(num)s answer accepted in all; a typical active member: %(median)s",
            "had %(num)s answers accepted in all; a typical active member: %(median)s", value, **p),
        "members_helped": lambda: nMsg(
            "answered questions of %(num)s member in %(days)s days; a typical active member: %(median)s",
            "answered questions of %(num)s different members in %(days)s days; a typical active member: %(median)s", value, **p),
        "first_responses": lambda: nMsg(
            "was first to answer %(num)s question in %(days)s days; a typical active member: %(median)s",
            "was first to answer %(num)s questions in %(days)s days; a typical active member: %(median)s", value, **p),
        "votes_given": lambda: nMsg(
            "voted %(num)s time in %(days)s days; a typical active member: %(median)s",
            "voted %(num)s times in %(days)s days; a typical active member: %(median)s", value, **p),
        "members_voted": lambda: nMsg(
            "voted for %(num)s member in %(days)s days; a typical active member: %(median)s",
            "voted for %(num)s different members in %(days)s days; a typical active member: %(median)s", value, **p),
        "ideas_proposed": lambda: nMsg(
            "proposed %(num)s idea in %(days)s days; a typical active member: %(median)s",
            "proposed %(num)s ideas in %(days)s days; a typical active member: %(median)s", value, **p),
        "idea_votes_received": lambda: nMsg(
            "their ideas received %(num)s vote in %(days)s days; a typical active member: %(median)s",
            "their ideas received %(num)s votes in %(days)s days; a typical active member: %(median)s", value, **p),
        "ideas_shipped": lambda: nMsg(
            "%(num)s of their ideas shipped; a typical active member: %(median)s",
            "%(num)s of their ideas shipped; a typical active member: %(median)s", value, **p),
        "idea_votes_cast": lambda: nMsg(
            "voted for %(num)s idea in %(days)s days; a typical active member: %(median)s",
            "voted for %(num)s ideas in %(days)s days; a typical active member: %(median)s", value, **p),
        "flags_agreed": lambda: nMsg(
            "raised %(num)s flag moderators agreed with in %(days)s days; a typical active member: %(median)s",
            "raised %(num)s flags moderators agreed with in %(days)s days; a typical active member: %(median)s", value, **p),
        "edits_of_others": lambda: nMsg(
            "improved %(num)s post of other members in %(days)s days; a typical active member: %(median)s",
            "improved %(num)s posts of other members in %(days)s days; a typical active member: %(median)s", value, **p),
        "net_score": lambda: nMsg(
            "net score of %(num)s from other members' votes; a typical active member: %(median)s",
            "net score of %(num)s from other members' votes; a typical active member: %(median)s", value, **p),
        "karma_reversed": lambda: nMsg(
            "%(num)s karma point was reversed by the anti-gaming check; a typical active member: %(median)s",
            "%(num)s karma points were reversed by the anti-gaming check; a typical active member: %(median)s", value, **p),
        "vote_concentration": lambda: Msg(
            N_("%(value)s%% of the upvotes received in %(days)s days came from just 3 accounts"), value=value, days=days),
        "flags_against": lambda: nMsg(
            "%(num)s flag against their posts was upheld; a typical active member: %(median)s",
            "%(num)s flags against their posts were upheld; a typical active member: %(median)s", value, **p),
        "helpful_all": lambda: nMsg(
            "%(num)s answer accepted or upvoted in all; a typical active member: %(median)s",
            "%(num)s answers accepted or upvoted in all; a typical active member: %(median)s", value, **p),
        "first_post_days": lambda: nMsg(
            "first posted %(num)s day ago; a typical active member: %(median)s",
            "first posted %(num)s days ago; a typical active member: %(median)s", value, days=days,
            median=_days_ago(int(median))),
        "suspensions": lambda: nMsg(
            "suspended %(num)s time; a typical active member: %(median)s",
            "suspended %(num)s times; a typical active member: %(median)s", value, **p),
    }
    return words[name]() if name in words else None


def _decayed(name: str, value: int, median: int) -> Msg:
    """A recency-weighted count said as "about N ... recently": a manager cannot read a weight like 0.3."""
    p = {"scale": Msg(DECAYED_SCALE[name]), "median": median if median else Msg(N_("none"))}
    kind = name.rsplit("_", 1)[0]
    if kind == "answers":
        return nMsg("answered about %(num)s question of other members recently (%(scale)s); a typical active member: %(median)s",
                    "answered about %(num)s questions of other members recently (%(scale)s); a typical active member: %(median)s", value, **p)
    if kind == "helpful":
        return nMsg("had about %(num)s answer accepted or upvoted recently (%(scale)s); a typical active member: %(median)s",
                    "had about %(num)s answers accepted or upvoted recently (%(scale)s); a typical active member: %(median)s", value, **p)
    if kind == "topics":
        return nMsg("started about %(num)s topic recently (%(scale)s); a typical active member: %(median)s",
                    "started about %(num)s topics recently (%(scale)s); a typical active member: %(median)s", value, **p)
    if kind == "comments":
        return nMsg("wrote about %(num)s comment recently (%(scale)s); a typical active member: %(median)s",
                    "wrote about %(num)s comments recently (%(scale)s); a typical active member: %(median)s", value, **p)
    return nMsg("posted on about %(num)s day recently (%(scale)s); a typical active member: %(median)s",
                "posted on about %(num)s days recently (%(scale)s); a typical active member: %(median)s", value, **p)


def _days_ago(days: int) -> Msg:
    if not days:
        return Msg(N_("has not posted yet"))
    return nMsg("%(num)s day ago", "%(num)s days ago", days)


def active_medians(snapshot: Snapshot) -> dict[str, float]:
    """Each signal's median among the members active in the window (everyone when nobody is)."""
    import numpy as np  # only scoring runs call this; web workers never load NumPy

    matrix = snapshot.matrix
    if not len(matrix):
        return {name: 0.0 for name in snapshot.names}
    columns = [snapshot.names.index(name) for name in ACTIVE_IN_WINDOW if name in snapshot.names]
    active = np.any(matrix[:, columns] > 0, axis=1) if columns else np.ones(len(matrix), bool)
    chosen = matrix[active] if np.any(active) else matrix
    return dict(zip(snapshot.names, np.median(chosen, axis=0).tolist()))


def penalty_points(values: dict[str, float], concentration_share: float) -> dict[str, int]:
    """Points taken off a 0-100 score for each negative signal (documented, never learned).

    vote concentration at or above the threshold: 10-40 points, growing with the share;
    reversed karma: 10 points plus 1 per 5 karma, at most 40; upheld flags: 10 each, at most 30;
    suspensions: 20 each, at most 40.
    """
    points: dict[str, int] = {}
    threshold = concentration_share * 100
    share = values.get("vote_concentration", 0)
    if share and share >= threshold:
        points["vote_concentration"] = round(10 + 30 * (share - threshold) / max(1.0, 100 - threshold))
    if values.get("karma_reversed", 0) > 0:
        points["karma_reversed"] = min(40, 10 + int(values["karma_reversed"]) // 5)
    if values.get("flags_against", 0) > 0:
        points["flags_against"] = min(30, 10 * int(values["flags_against"]))
    if values.get("suspensions", 0) > 0:
        points["suspensions"] = min(40, 20 * int(values["suspensions"]))
    return points


def _shown(name: str, value: float) -> float | int:
    if name in DECAYED_SCALE:  # whole numbers, so "about 0" against "none" is never a reason
        return int(round(value))
    signal = SIGNAL_BY_NAME.get(name)
    digits = signal.digits if signal else 0
    return round(value, digits) if digits else int(round(value))


def _really_moves(name: str, push: float, strongest: float, value, median) -> bool:
    """A push worth a sentence: not tiny beside the strongest, not trivial, and pointing the way the
    member's value stands against the active members' median (no "last visit 69 days ago" as a lift)."""
    if abs(push) < MIN_SHARE_OF_STRONGEST * strongest:
        return False
    if push > 0 and value < MIN_LIFT_VALUE.get(name, 0):
        return False
    kind = SIGNAL_BY_NAME[name].kind if name in SIGNAL_BY_NAME else GOOD
    better = value < median if kind == LOWER_IS_BETTER else value > median
    worse = value > median if kind == LOWER_IS_BETTER else value < median
    return better if push > 0 else worse


def reasons(
    values: dict[str, float], medians: dict[str, float], pushes: dict[str, float], points: dict[str, int],
    window_days: int = 90,
) -> list[dict]:
    """The reasons behind one score: the strongest pushes that really move it, then every penalty
    (JSON-ready); each names the signals' recent window in days."""
    ranked = sorted(((abs(push), name, push) for name, push in pushes.items() if abs(push) > 1e-9), reverse=True)
    strongest = ranked[0][0] if ranked else 0.0
    items = []
    for _size, name, push in ranked:
        value, median = _shown(name, values.get(name, 0)), _shown(name, medians.get(name, 0))
        if len(items) < MAX_REASONS and _really_moves(name, push, strongest, value, median):
            items.append({"signal": name, "effect": "lifts" if push > 0 else "lowers", "value": value,
                          "median": median, "days": window_days})
    for name in PENALTIES:
        if name in points:
            items.append({
                "signal": name, "effect": "penalty", "points": points[name],
                "value": _shown(name, values.get(name, 0)), "median": _shown(name, medians.get(name, 0)),
                "days": window_days,
            })
    return items


def reasons_of_all(
    names: list[str], values, medians: dict[str, float], pushes, points: list[dict[str, int]], window_days: int = 90,
) -> list[list[dict]]:
    """`reasons` for every member at once: `values` and `pushes` are (members x len(names)) arrays
    (a push per signal, 0 for signals the model does not use). The same items as calling `reasons`
    member by member with each member's MAX_REASONS strongest pushes, ties kept, without a Python
    loop over every signal of every member."""
    import numpy as np  # only scoring runs call this; web workers never load NumPy

    members = len(values)
    found: list[list[dict]] = [[] for _ in range(members)]
    if members and len(names):
        size = np.abs(pushes)
        kth = -np.sort(-size, axis=1)[:, [min(MAX_REASONS, size.shape[1]) - 1]]
        strongest = size.max(axis=1, keepdims=True)
        shown_values = np.column_stack([_shown_column(name, values[:, j]) for j, name in enumerate(names)])
        shown_medians = np.array([_shown(name, medians.get(name, 0)) for name in names], dtype=float)
        lower = np.array([SIGNAL_BY_NAME[name].kind == LOWER_IS_BETTER if name in SIGNAL_BY_NAME else False for name in names])
        min_lift = np.array([MIN_LIFT_VALUE.get(name, 0) for name in names], dtype=float)
        better = np.where(lower, shown_values < shown_medians, shown_values > shown_medians)
        worse = np.where(lower, shown_values > shown_medians, shown_values < shown_medians)
        lifts = pushes > 0
        chosen = (size >= kth) & (size > 1e-9) & (size >= MIN_SHARE_OF_STRONGEST * strongest)
        chosen &= ~(lifts & (shown_values < min_lift)) & np.where(lifts, better, worse)
        rows, columns = np.nonzero(chosen)
        # reasons() ranks by (|push|, name), both descending
        name_rank = np.argsort(np.argsort(np.array(names, dtype=object)))
        order = np.lexsort((-name_rank[columns], -size[rows, columns], rows))
        rows, columns = rows[order], columns[order]
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]) if len(rows) else np.zeros(0, np.int64)
        rank = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
        keep = rank < MAX_REASONS
        rows, columns = rows[keep], columns[keep]
        effects = np.where(pushes[rows, columns] > 0, "lifts", "lowers").tolist()
        medians_shown = [_shown(name, medians.get(name, 0)) for name in names]
        for row, column, effect in zip(rows.tolist(), columns.tolist(), effects):
            name = names[column]
            found[row].append({"signal": name, "effect": effect, "value": _shown(name, float(values[row, column])),
                               "median": medians_shown[column], "days": window_days})
    by_name = {name: j for j, name in enumerate(names)}
    for row, charged in enumerate(points):
        for name in PENALTIES:
            if name in charged:
                value = float(values[row, by_name[name]]) if name in by_name else 0
                found[row].append({"signal": name, "effect": "penalty", "points": charged[name], "value": _shown(name, value),
                                   "median": _shown(name, medians.get(name, 0)), "days": window_days})
    return found


def _shown_column(name: str, column):
    """_shown over a column, as floats for comparing (Python's round where digits are kept, as
    NumPy's decimal rounding differs from it on halves)."""
    import numpy as np

    if name in DECAYED_SCALE:
        return np.rint(column)
    signal = SIGNAL_BY_NAME.get(name)
    if signal and signal.digits:
        return np.array([round(value, signal.digits) for value in column.tolist()], dtype=float)
    return np.rint(column)


DECIMAL_PHRASES = {
    "votes_per_post": N_("%(value)s net votes per post in %(days)s days; a typical active member: %(median)s"),
    "trend": N_("posting trend %(value)s (last 30 days against the 60 before; 0 is steady); a typical active member: %(median)s"),
}


def _response_hours(item: dict, days: int) -> Msg:
    cap = days * 24
    if item["value"] >= cap:
        return Msg(N_("has not yet answered a question first in %(days)s days"), days=days)
    if item["median"] >= cap:
        return Msg(N_("answers first within %(value)s hours (median of their first answers); most active members have not answered first"),
                   value=item["value"])
    return Msg(N_("answers first within %(value)s hours (median of their first answers); a typical active member: %(median)s hours"),
               value=item["value"], median=item["median"])


def sentence(item: dict, imported: bool = False) -> Msg:
    """One reason as a translatable sentence ("answered 1 question ...; a typical active member: 0");
    `imported`: the community's days of presence were derived from activity, so "active", not "visited"."""
    name = item["signal"]
    # Runs stored before the window was recorded used the 90-day default.
    days = item.get("days", 90)
    if name == "response_hours":
        return _response_hours(item, days)
    value = item["value"]
    if name in DECAYED_SCALE:  # runs stored before whole numbers kept one decimal
        return _decayed(name, int(round(value)), int(round(item["median"])))
    if isinstance(value, int) or float(value).is_integer():
        counted = _counted(name, int(value), item["median"], days, imported)
        if counted is not None:
            return counted
    phrase = DECIMAL_PHRASES.get(name) or SIGNAL_BY_NAME[name].phrase
    return Msg(phrase, value=value, median=item["median"], days=days)


def says_something(item: dict) -> bool:
    """Whether a reason tells the member apart: a penalty, or a value that does not round to the median."""
    if item["effect"] == "penalty" or item["signal"] not in DECAYED_SCALE:
        return True
    return int(round(item["value"])) != int(round(item["median"]))


def penalty_sentence(item: dict) -> Msg:
    """The cost of a penalty in points, as a translatable sentence."""
    rule = PENALTY_RULES[item["signal"]]
    return Msg(rule, points=item["points"])
