"""Identity: organizations, users, memberships, sessions, passwords and one-time tokens."""
