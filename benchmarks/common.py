"""What the benchmarks share: a throw-away database, timing, the result table and JSON."""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

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


@dataclass(frozen=True, slots=True)
class Exited:
    code: int
    peak_mb: float  # the largest peak resident memory of the process or any of its descendants
    cpu_s: float  # user and system CPU of the process and of the descendants it waited for


def wait_measured(process: subprocess.Popen[Any]) -> Exited:
    """Wait for ``process`` (whose output someone else reads), reading meanwhile, every 50 ms, the
    peak resident memory (VmHWM) of each process of its tree. Not rusage's maxrss: it counts the
    image a child shares with its parent until its exec, hundreds of MB when the parent is pytest."""
    peak = 0.0
    while os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        peak = max([peak, *(_vm_hwm_mb(pid) for pid in _process_tree(process.pid))])
        time.sleep(0.05)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return Exited(process.returncode, peak, usage.ru_utime + usage.ru_stime)


def wait_reading(process: subprocess.Popen[Any], stream: IO[Any] | None) -> tuple[Exited, Any]:
    """:func:`wait_measured`, reading ``stream`` (the process's output pipe) as it comes meanwhile: a
    full pipe would stall the process. Returns what was read too (None without a stream)."""
    with ThreadPoolExecutor(1) as reader:
        output = reader.submit(stream.read) if stream else None
        exited = wait_measured(process)
    return exited, output.result() if output else None


def _process_tree(root: int) -> list[int]:
    """``root`` and its descendants now."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after "pid (command)": state, ppid, ...
        except OSError:  # gone meanwhile
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, stack = [], [root]
    while stack:
        pid = stack.pop()
        tree.append(pid)
        stack += children.get(pid, [])
    return tree


def _vm_hwm_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    return int(status.split("VmHWM:")[1].split()[0]) / 1024 if "VmHWM:" in status else 0.0  # a zombie has none


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
