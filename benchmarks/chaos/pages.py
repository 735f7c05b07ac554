"""Hostile and broken pages on a fixture site: each page has its own outcome."""

from __future__ import annotations

from benchmarks.chaos import Scenario

SCENARIOS: dict[str, Scenario] = {}
