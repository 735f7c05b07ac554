"""Faults in the middle of a run: PostgreSQL restarts, killed processes, runs at once, a full disk.

Every stage runs as ``govnews`` does in production: its own process (``govnews crawl|extract|dedupe|
load``), over real HTTP to the fixture farm, into a private PostgreSQL cluster that the scenario
restarts, stops or starves. Each row compares what the disturbed run left with an undisturbed run of
the same farm: every article once, with the same body hash, and no page lost.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import create_engine, text

from benchmarks.chaos import Outcome, Scenario
from benchmarks.chaos.cluster import Cluster, grow, private_cluster, small_tablespace
from benchmarks.common import wait_reading
from pipeline.fixtures.farm import Farm, Fault, standard_farm
from pipeline.settings import PROJECT_ROOT

SITES = ("farm-trs", "farm-trs_div")
ARTICLES = 15  # per site
RETRY_SECONDS = 60.0  # GOVNEWS_DB_RETRY_SECONDS of the stages that must outlast a restart
SHORT_RETRY_SECONDS = 3.0  # ... and of a stage whose server stays down
DOWN_SECONDS = 2.0  # how long a restarted server is away
STAGES = ("extract", "dedupe", "load")


@dataclass(frozen=True, slots=True)
class Finished:
    code: int
    output: str
    peak_mb: float  # the peak resident memory of its largest process (it, or its crawl process)


@dataclass(frozen=True, slots=True)
class Stored:
    pages: frozenset[str]
    articles: dict[str, str]  # canonical URL -> body hash
    copies: int  # article rows beyond one per canonical URL, and extra versions


class Workspace:
    """The farm, its registry file and the environment every ``govnews`` process of a scenario gets."""

    def __init__(self, farm: Farm, folder: Path) -> None:
        self.farm = farm
        self.folder = folder
        self.registry = folder / "farm.yaml"
        self.registry.write_text(farm.registry_yaml(), encoding="utf-8")

    def env(self, database_url: str, retry_seconds: float = RETRY_SECONDS) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith("GOVNEWS_")}
        # The farm's sites are fixture sites: the command checks that their server answers.
        return {**keep, "GOVNEWS_DATABASE_URL": database_url, "GOVNEWS_REGISTRY": str(self.registry),
                "GOVNEWS_FIXTURE_ORIGIN": self.farm.origins[SITES[0]],
                "GOVNEWS_DOWNLOAD_TIMEOUT": "60", "GOVNEWS_BACKOFF_MAX": "2",
                "GOVNEWS_DB_RETRY_SECONDS": str(retry_seconds)}

    def start(self, database_url: str, *args: str, retry_seconds: float = RETRY_SECONDS,
              module: str = "pipeline.cli") -> subprocess.Popen[str]:
        """``govnews ARGS`` (or another ``module``) in its own process group (killing it kills its crawl
        process too)."""
        return subprocess.Popen([sys.executable, "-m", module, *args], cwd=PROJECT_ROOT, text=True,
                                env=self.env(database_url, retry_seconds), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)

    def run(self, database_url: str, *args: str, retry_seconds: float = RETRY_SECONDS) -> Finished:
        return finish(self.start(database_url, *args, retry_seconds=retry_seconds))


def finish(process: subprocess.Popen[str]) -> Finished:
    """Wait for the process; its exit code, output and the peak memory of its largest process."""
    exited, output = wait_reading(process, process.stdout)
    return Finished(exited.code, output or "", exited.peak_mb)


def ended(process: subprocess.Popen[str]) -> bool:
    """Whether the process has exited, leaving it to :func:`finish` to reap (and measure)."""
    return os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def kill(process: subprocess.Popen[str]) -> Finished:
    os.killpg(process.pid, signal.SIGKILL)
    return finish(process)


def pipeline_steps(run_id: str, sites: tuple[str, ...] = SITES) -> list[tuple[str, ...]]:
    return [("crawl", *sites, "--run-id", run_id), *((stage, "--run-id", run_id) for stage in STAGES)]


def run_through(space: Workspace, url: str, steps: list[tuple[str, ...]]) -> list[Finished]:
    """Each step in turn; any failure stops the scenario with the step's output."""
    done = []
    for step in steps:
        finished = space.run(url, *step)
        if finished.code != 0:
            raise RuntimeError(f"govnews {' '.join(step)} failed ({finished.code}):\n{finished.output[-3000:]}")
        done.append(finished)
    return done


def stored(url: str) -> Stored:
    engine = create_engine(url)
    with engine.connect() as connection:
        pages = frozenset(connection.execute(text("SELECT url FROM pages WHERE body IS NOT NULL")).scalars())
        rows = connection.execute(text("SELECT canonical_url, body_hash FROM articles")).all()
        versions = connection.execute(text("SELECT count(*) FROM article_versions")).scalar_one()
    engine.dispose()
    articles = dict(rows)
    return Stored(pages, articles, len(rows) - len(articles) + versions)


def outcome(name: str, what: str, expected: Stored, got: Stored, peak_mb: float) -> Outcome:
    same = sum(got.articles.get(canonical) == hashed for canonical, hashed in expected.articles.items())
    other_hash = sum(canonical in got.articles and got.articles[canonical] != hashed
                     for canonical, hashed in expected.articles.items())
    return Outcome(name, "fault", what, len(expected.articles), same, got.copies + other_hash,
                   len(expected.pages - got.pages), round(peak_mb, 1))


# --- the shared parts: one farm per process, its undisturbed run ----------------------------------


@cache
def _workspace() -> Workspace:
    farm = standard_farm(articles=ARTICLES, count=2)
    farm.__enter__()  # serves until the process ends: every scenario of the process crawls the same URLs
    return Workspace(farm, Path(tempfile.mkdtemp(prefix="govnews-chaos-")))


_undisturbed: list[Stored] = []


def undisturbed(cluster: Cluster) -> Stored:
    """What an undisturbed run of the farm stores (run once per process: the farm does not change)."""
    if not _undisturbed:
        with cluster.database("undisturbed") as url:
            run_through(_workspace(), url, pipeline_steps("undisturbed"))
            _undisturbed.append(stored(url))
    return _undisturbed[0]


@contextmanager
def scenario_cluster(cluster: Cluster | None) -> Iterator[Cluster]:
    """The cluster given (the tests share one), else a private one for this scenario."""
    if cluster is not None:
        yield cluster
        return
    with private_cluster() as own:
        yield own


# --- holding a stage in the middle of its transaction ---------------------------------------------


@contextmanager
def table_held(url: str, table: str) -> Iterator[None]:
    """A transaction holding ``table`` in EXCLUSIVE mode: others read it, but a writer waits, in the
    middle of its own transaction, until this one ends (or the server drops both)."""
    engine = create_engine(url)
    connection = engine.connect()
    try:
        connection.execute(text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))
        yield
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - the server may have dropped it already: nothing to release
            pass
        engine.dispose()


def wait_for_writer(url: str, table: str, process: subprocess.Popen[str], timeout: float = 120.0) -> None:
    """Until a writer waits for ``table`` (a lock not granted); the process must still be running."""
    engine = create_engine(url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                waiting = connection.execute(text(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = CAST(:table AS regclass)"),
                    {"table": table}).scalar_one()
            if waiting:
                return
            if ended(process):
                raise RuntimeError(f"the stage ended before it wrote to {table}:\n{finish(process).output[-3000:]}")
            time.sleep(0.1)
    finally:
        engine.dispose()
    raise RuntimeError(f"no writer waited for {table} within {timeout:g} s")


def retried(finished: Finished) -> int:
    return finished.output.count("database connection lost")


# --- the scenarios ---------------------------------------------------------------------------------


# The table each stage writes in its unit of work: held, the stage waits there, mid-transaction.
WRITES = {"crawl": "pages", "extract": "extractions", "dedupe": "story_members", "load": "articles"}


def restarts(cluster: Cluster | None = None) -> list[Outcome]:
    """One run whose server is restarted (``pg_ctl stop -m fast``, down for DOWN_SECONDS, start) while
    the crawl, the extraction and the load write, each in the middle of its transaction; and, before
    that last restart, stopped for longer than the load's GOVNEWS_DB_RETRY_SECONDS. Each stage tries
    again and finishes; the one whose server stays away fails (exit 1, an error line) with nothing of
    its work kept, and the same command finishes it once the server is back. One row per fault."""
    space = _workspace()
    rows = []
    with scenario_cluster(cluster) as server, server.database("restarts") as url:
        expected = undisturbed(server)
        crawl, extract, dedupe, load = pipeline_steps("restarts-1")
        outlasted = [_restart_during(server, space, url, crawl)]
        outlasted.append(_restart_during(server, space, url, extract))
        run_through(space, url, [dedupe])
        with table_held(url, WRITES["load"]):
            process = space.start(url, *load, retry_seconds=SHORT_RETRY_SECONDS)
            wait_for_writer(url, WRITES["load"], process)
            server.stop()
        failed = finish(process)
        server.start()
        half_loaded = len(stored(url).articles)
        outlasted.append(_restart_during(server, space, url, load))
        got = stored(url)
    for step, finished in zip((crawl, extract, load), outlasted, strict=True):
        rows.append(outcome(f"db_restart_{step[0]}", f"retried {retried(finished)}x over the restart, exit "
                            f"{finished.code}", expected, got, finished.peak_mb))
    if failed.code != 1 or "error: the database stayed unreachable" not in failed.output or half_loaded:
        raise RuntimeError(f"with the server down past the retry time the load should fail (exit 1, an error "
                           f"line) keeping nothing; exit {failed.code}, {half_loaded} articles:\n"
                           f"{failed.output[-3000:]}")
    rows.append(outcome("db_down_load", f"exit 1 after {retried(failed)} tries, nothing kept; run again: loaded",
                        expected, got, failed.peak_mb))
    return rows


def _restart_during(server: Cluster, space: Workspace, url: str, step: tuple[str, ...]) -> Finished:
    with table_held(url, WRITES[step[0]]):
        if step[0] == "crawl":  # the crawl process itself: `govnews crawl` shows its log only on failure
            *sites, _, run_id = step[1:]
            process = space.start(url, "--run-id", run_id, *sites, module="spiders.runner")
        else:
            process = space.start(url, *step)
        wait_for_writer(url, WRITES[step[0]], process)
        server.restart(DOWN_SECONDS)
    finished = finish(process)
    if finished.code != 0:
        raise RuntimeError(f"{step[0]} did not outlast the restart ({finished.code}):\n{finished.output[-3000:]}")
    return finished


def crawl_killed(cluster: Cluster | None = None) -> list[Outcome]:
    """The crawl's process group killed (SIGKILL) half-way, then the same run id crawled again."""
    space = _workspace()
    with scenario_cluster(cluster) as server, server.database("crawl_killed") as url:
        expected = undisturbed(server)
        # Scrapy's queue is last in, first out: the first list page's articles come last; slowed
        # down, they keep the crawl running after the others are stored.
        space.farm.set_faults(SITES[0], Fault("slow", frozenset(range(5)), seconds=30.0))
        try:
            process = space.start(url, *pipeline_steps("killed-1")[0])
            _wait_for_pages(url, ARTICLES // 2, process)  # a batch of 20 stored
            killed = kill(process)
        finally:
            space.farm.set_faults(SITES[0])
        before = stored(url)
        done = run_through(space, url, pipeline_steps("killed-1"))
        got = stored(url)
    peak = max(f.peak_mb for f in [killed, *done])
    return [outcome("crawl_killed", f"killed at {len(before.pages)} of {len(expected.pages)} pages; "
                    "same run id resumed", expected, got, peak)]


def stage_killed(cluster: Cluster | None = None) -> list[Outcome]:
    """One run whose extract, dedupe and load are each killed (SIGKILL) in the middle of their
    transaction, then run again: one row per stage, each judged by the end of the run."""
    space = _workspace()
    with scenario_cluster(cluster) as server, server.database("killed") as url:
        expected = undisturbed(server)
        crawl, *stages = pipeline_steps("killed-stages")
        done = run_through(space, url, [crawl])
        for step in stages:
            with table_held(url, WRITES[step[0]]):
                process = space.start(url, *step)
                wait_for_writer(url, WRITES[step[0]], process)
                done.append(kill(process))
            done += run_through(space, url, [step])
        got = stored(url)
    peak = max(f.peak_mb for f in done)
    return [outcome(f"{step[0]}_killed", "killed mid-transaction (SIGKILL), run again", expected, got, peak)
            for step in stages]


def runs_at_once(cluster: Cluster | None = None) -> list[Outcome]:
    """Two whole runs of the same sites at once (two ``govnews run`` processes, two run ids) against
    one database, then a third: every article once."""
    space = _workspace()
    with scenario_cluster(cluster) as server, server.database("at_once") as url:
        expected = undisturbed(server)
        processes = [space.start(url, "run", *SITES, "--run-id", f"at-once-{n}") for n in (1, 2)]
        with ThreadPoolExecutor(len(processes)) as readers:  # each one's output read as it comes
            results = list(readers.map(finish, processes))
        for finished in results:
            if finished.code != 0:
                raise RuntimeError(f"a run of the two failed ({finished.code}):\n{finished.output[-3000:]}")
        got = stored(url)
    return [outcome("runs_at_once", "two runs of the same sites at once, both finished", expected, got,
                    max(f.peak_mb for f in results))]


DISK_MB = 12  # the tablespace's tmpfs: the migrated schema takes about 3 MB
ROOMY_MB = 256


def disk_full(cluster: Cluster | None = None) -> list[Outcome]:
    """The database's disk (a tablespace on a small tmpfs) fills up after the first site is crawled:
    the second site's crawl fails saying so, the first site's pages stay; once there is room again
    (the tmpfs grown), the same run crawls the second site again, extracts and loads."""
    space = _workspace()
    first, second = SITES
    with scenario_cluster(cluster) as server, small_tablespace(server, DISK_MB) as (tablespace, mount), \
            server.database("disk_full", tablespace) as url:
        expected = undisturbed(server)
        crawl_first, *rest = pipeline_steps("disk-1", (first,))
        crawl_second = pipeline_steps("disk-1", (second,))[0]
        done = run_through(space, url, [crawl_first])
        before = stored(url)
        _fill(url)
        failed = space.run(url, *crawl_second)
        failed_extract = space.run(url, *rest[0])
        kept = stored(url)
        grow(mount, ROOMY_MB)
        done += run_through(space, url, [crawl_second, *rest])
        got = stored(url)
    if failed.code == 0 or "No space left on device" not in failed.output:
        raise RuntimeError(f"the crawl on a full disk should fail saying so (exit {failed.code}):\n"
                           f"{failed.output[-3000:]}")
    if failed_extract.code != 1 or "error: the database server's disk is full" not in failed_extract.output:
        raise RuntimeError(f"extract on a full disk should fail saying so (exit {failed_extract.code}):\n"
                           f"{failed_extract.output[-3000:]}")
    if not before.pages <= kept.pages:
        raise RuntimeError(f"{len(before.pages - kept.pages)} pages stored before the disk filled up were lost")
    return [outcome("disk_full", f"crawl exit {failed.code}, extract exit 1: disk full; {len(before.pages)} stored "
                    "pages kept; run again with room: complete", expected, got,
                    max(f.peak_mb for f in [failed, *done]))]


def _fill(url: str) -> None:
    """Fill the database's disk with incompressible ballast until PostgreSQL says it is full."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE ballast (chunk text)"))
        connection.execute(text("ALTER TABLE ballast ALTER COLUMN chunk SET STORAGE EXTERNAL"))  # not compressed
        for _ in range(10_000):
            try:
                connection.execute(text("INSERT INTO ballast SELECT string_agg(md5(random()::text), '') "
                                        "FROM generate_series(1, 8000)"))
            except Exception as error:  # noqa: BLE001 - the disk-full error is the point; others re-raise
                if "No space left on device" not in str(error):
                    raise
                break
    engine.dispose()


def _wait_for_pages(url: str, count: int, process: subprocess.Popen[str], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while len(stored(url).pages) < count and time.monotonic() < deadline:
        if ended(process):
            raise RuntimeError(f"the crawl ended before it was killed:\n{finish(process).output[-3000:]}")
        time.sleep(0.1)


SCENARIOS: dict[str, Scenario] = {
    "db_restarts": restarts,
    "crawl_killed": crawl_killed,
    "stage_killed": stage_killed,
    "runs_at_once": runs_at_once,
    "disk_full": disk_full,
}
