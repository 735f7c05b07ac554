"""Faults in the middle of a run and hostile pages: one row per fault and per hostile page.

    python -m benchmarks.chaos [--only NAME ...] [--json PATH]

Each scenario (``faults.SCENARIOS``, ``pages.SCENARIOS``) runs the real stages against a fixture site
and a real PostgreSQL database, disturbs them, and returns its rows. The tests run the same scenarios
and hold every row to the target: nothing lost, nothing twice, memory bounded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

MEMORY_BOUND_MB = 400.0  # a crawl or stage process under a hostile page stays below this


@dataclass(frozen=True, slots=True)
class Outcome:
    """One row: what happened to the run (or to one hostile page) and what it left in the database."""

    scenario: str
    kind: str  # "fault" or "page"
    outcome: str  # what the pipeline did, e.g. "retried, then loaded" or "rejected: gzip_bomb"
    expected: int  # articles an undisturbed run stores
    stored: int  # articles stored (each counted once)
    duplicated: int  # articles stored more than once, or with another body hash than the undisturbed run
    pages_lost: int  # pages an undisturbed run stores that are missing
    peak_mb: float  # peak resident memory of the process(es) doing the work, in MB

    @property
    def held(self) -> bool:
        return (self.stored == self.expected and self.duplicated == 0 and self.pages_lost == 0
                and self.peak_mb <= MEMORY_BOUND_MB)


Scenario = Callable[[], list[Outcome]]
