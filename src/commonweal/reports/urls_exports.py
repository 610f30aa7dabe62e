"""Exports of a conversation and the Pol.is import (names ``reports:export*``, ``reports:import_polis``)."""

urlpatterns: list = []
