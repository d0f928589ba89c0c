"""Accounts: members, groups and roles, sessions, login and visit tracking, API tokens."""
