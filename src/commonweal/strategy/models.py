"""Strategy: the app's tables (one models module per app; each capability writes through its actions)."""

from __future__ import annotations
