"""Aims grown from common ground, the commitments partners make to them and their progress."""
