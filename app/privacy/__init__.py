"""Your data: export of everything held about a member, and account deletion (a composition package: it reads every domain)."""
