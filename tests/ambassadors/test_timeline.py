"""One pass per fact gives the same facts as one query per window, at every moment a run uses."""

from __future__ import annotations

from tests.ambassadors.conftest import D, NOW
from tests.ambassadors.timeline_check import assert_matches_single_windows


def test_timeline_equals_single_window_queries_at_every_moment(db, town):
    moments = [NOW, NOW - 8 * D, NOW - 15 * D, NOW - 60 * D, NOW - 120 * D, NOW - 195 * D, NOW - 400 * D]
    assert_matches_single_windows(db, moments)


def test_timeline_with_other_window_lengths(db, town):
    assert_matches_single_windows(db, [NOW, NOW - 45 * D, NOW - 190 * D], window_days=45, short_days=7)
