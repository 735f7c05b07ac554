"""Faults in the middle of a run: PostgreSQL restarts, killed processes, runs at once, a full disk."""

from __future__ import annotations

from benchmarks.chaos import Scenario

SCENARIOS: dict[str, Scenario] = {}
