"""The candidates page follows the run a manager just made, even when an older run is dated later."""

from datetime import timedelta

from app.ambassadors import queries
from app.ambassadors.models import ScoringRun
from tests.conftest import START


def test_the_newest_run_made_wins_over_a_later_dated_older_one(db):
    ahead = ScoringRun(as_of=START + timedelta(hours=5), trigger="demo", model_version="t")
    db.add(ahead)
    db.flush()
    made_now = ScoringRun(as_of=START, trigger="web", model_version="t")
    db.add(made_now)
    db.flush()
    assert queries.latest_run(db).id == made_now.id
    # the month baseline still looks at the dates
    assert queries.latest_run(db, before=START + timedelta(days=1)).id == ahead.id
