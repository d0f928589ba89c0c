"""Forum: categories, topics, posts, revisions, accepted answers, search, notifications, moderation."""
