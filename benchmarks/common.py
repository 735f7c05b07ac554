"""What the benchmarks share: a throw-away database, timing, the result table and JSON."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pipeline import store
from pipeline.settings import database_url

# Any URL form people write (postgres://, postgresql://, ...) works here as in GOVNEWS_DATABASE_URL.
SERVER = database_url(os.environ.get("GOVNEWS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"))


@contextmanager
def throwaway_database(prefix: str, migrated: bool = True, copy_of: str | None = None) -> Iterator[str]:
    """A new database on the local server (migrated unless asked not to, or a copy of the database
    at the URL ``copy_of``, which nobody may be connected to), dropped afterwards whatever happens.
    The tests use it too."""
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    template = f' TEMPLATE "{make_url(copy_of).database}"' if copy_of else ""
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{template}'))
    url = make_url(SERVER).set(database=name).render_as_string(hide_password=False)
    try:
        if migrated and not copy_of:
            engine = store.make_engine(url)
            store.migrate(engine)
            engine.dispose()
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Timer:
    """Wall time, this process's CPU time and its peak resident memory growth over a block."""

    wall: float = 0.0
    cpu: float = 0.0
    peak_mb: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @contextmanager
    def measure(self) -> Iterator[Timer]:
        _reset_peak()
        start_rss = _rss_mb()
        wall, cpu = time.perf_counter(), time.process_time()
        yield self
        self.wall += time.perf_counter() - wall
        self.cpu += time.process_time() - cpu
        self.peak_mb = max(self.peak_mb, _peak_mb() - start_rss)


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _reset_peak() -> None:
    """Start the peak over (Linux: VmHWM back to the current size), so a block's peak is its own."""
    Path("/proc/self/clear_refs").write_text("5")


def _peak_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def report(title: str, columns: Sequence[str], rows: list[dict[str, Any]], meta: dict[str, Any],
           json_path: str | None, top: dict[str, Any] | None = None) -> None:
    """Print the figures as a table and, with ``--json``, write the same figures (``top``: headline
    figures, also at the JSON's top level)."""
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    console = Console(width=220)
    console.print(table)
    for key, value in meta.items():
        console.print(f"{key}: {value}")
    if json_path:
        figures = {"title": title, **(top or {}), "meta": meta, "rows": rows}
        Path(json_path).write_text(json.dumps(figures, indent=2, ensure_ascii=False, default=str))


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.0f}"
    return "-" if value is None else str(value)
