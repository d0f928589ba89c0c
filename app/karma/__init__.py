"""Karma: the append-only ledger, rules, daily cap, anti-gaming job, badges, levels and leaderboards."""
