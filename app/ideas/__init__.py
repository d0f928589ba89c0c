"""Ideas: crowdsourced idea board with votes, statuses, merges and a roadmap."""
