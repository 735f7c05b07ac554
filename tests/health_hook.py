"""A health callback for tests/test_dags.py (GOVNEWS_HEALTH_CALLBACK=tests.health_hook:record): it
records the new alerts the failed health task passes to it."""

from __future__ import annotations

from typing import Any

CALLS: list[list[dict[str, Any]]] = []


def record(context: Any) -> None:
    CALLS.append(context["exception"].alerts)
