"""Time what a scoring run adds to compare each profile with the simple rules (ambassadors.honesty).

Builds the community of bench_scoring.py (20,000 members and 1,000,000 votes by default), times one
scoring computation (training.score) as the baseline, then the comparison at the backtest cutoff
(every simple rule's values, tie-aware figures for four profiles) and, for the worst case, the
rule values at the run's moment that re-rank every profile. Prints each (best of --repeat) and its
ratio to the scoring computation. Usage: python bench/bench_honesty.py [--members N] [--votes N] [--repeat N] [--url URL]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scoring import NOW, generate  # noqa: E402
from bench_timing import best_of, community_arguments, listed, open_community  # noqa: E402

from app.ambassadors import honesty, training  # noqa: E402


def main() -> None:
    """Build (or reuse) the generated database and print the timings."""
    args = community_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0])).parse_args()
    settings, engine, factory = open_community(args, generate)
    with factory() as session:
        scoring, runs, scored = best_of(lambda: training.score(session, settings, NOW), args.repeat)
        compare, compares, honest = best_of(lambda: honesty.evaluate(session, settings, scored.evaluation), args.repeat)
        every = {profile: dict(info, ranked_by="answers") for profile, info in honest.items()}
        rerank, reranks, _values = best_of(
            lambda: honesty.rule_values_now(session, NOW, scored.snapshot.member_ids, every, scored.snapshot.facts), args.repeat)
    engine.dispose()
    print(f"database:                 {engine.url.render_as_string(hide_password=True)}")
    print(f"scoring computation:      {scoring:8.3f} s  (training.score, the baseline; best of {len(runs)}: {listed(runs)})")
    print(f"compare with the rules:   {compare:8.3f} s  ({compare / scoring:.2f}x the baseline; {listed(compares)})")
    print(f"rule values to re-rank:   {rerank:8.3f} s  ({rerank / scoring:.2f}x the baseline; only when a profile loses; "
          f"{listed(reranks)})")
    ranked = ", ".join(f"{profile}: {info.get('ranked_by')}" for profile, info in honest.items())
    print(f"ranked by:                {ranked}")


if __name__ == "__main__":
    main()
