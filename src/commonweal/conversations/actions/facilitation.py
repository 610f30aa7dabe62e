"""Facilitator and moderator use cases (create, seed, open, close, moderate). Owned by the facilitation work."""
