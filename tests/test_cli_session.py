"""A first session with the command, in a fresh folder: the replay into a relative SQLite path (the
crawl process, which runs elsewhere, writes the same file), its progress, then finding what it
stored: runs, articles, a story cluster; every time in China Standard Time."""

from __future__ import annotations

import os
import pty
import re
import select
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.fixtures.seed_sites import load_manifest
from tests.commands import ROOT, clean_env, govnews

MANIFEST = load_manifest()
ARTICLE_ROW = re.compile(r"│ (\d+) +│ (fixture-\w+) +│ (\d{4}-\d\d-\d\d \d\d:\d\d\+08:00) │")


@dataclass(frozen=True)
class Session:
    folder: Path
    env: dict[str, str]
    replay: subprocess.CompletedProcess[str]

    def govnews(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = govnews(*args, env=self.env, cwd=self.folder)
        assert done.returncode == 0, done.stderr
        return done


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    folder = tmp_path_factory.mktemp("first-session")
    env = clean_env(GOVNEWS_DATABASE_URL="sqlite:///govnews.db")  # relative: in the session's folder
    replay = govnews("replay", env=env, cwd=folder)
    assert replay.returncode == 0, replay.stderr
    return Session(folder, env, replay)


def test_the_replay_writes_the_relative_sqlite_file_from_every_process(session: Session) -> None:
    with sqlite3.connect(session.folder / "govnews.db") as db:
        pages = db.execute("select count(*) from pages").fetchone()[0]
        articles = db.execute("select count(*) from articles").fetchone()[0]
    assert pages > 0, "the crawl process wrote its pages somewhere else"
    assert articles == len(MANIFEST)


def test_progress_is_written_as_plain_lines_when_not_a_terminal(session: Session) -> None:
    lines = session.replay.stderr.splitlines()
    for stage in ("crawl", "extract", "dedupe", "load"):
        assert f"{stage}: started" in lines, f"no start line for {stage}:\n{session.replay.stderr}"
        assert any(re.fullmatch(rf"{stage}: done in \d+ s", line) for line in lines)
    for site in ("fixture-songjiang", "fixture-yancheng"):
        done = [line for line in lines if line.startswith(f"crawl: {site}: ") and ", done (" in line]
        assert done, f"no line for the end of {site}'s crawl"
        assert re.search(r": \d+ of 2000 requests, [1-9]\d* pages stored, 0 failed, done", done[0])
    assert "\x1b[" not in session.replay.stderr, "no terminal control codes in a log"


def test_runs_lists_the_replay(session: Session) -> None:
    out = session.govnews("runs").stdout
    row = next(line for line in out.splitlines() if "manual__" in line)
    cells = [cell.strip() for cell in row.strip("│ ").split("│")]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d\+08:00", cells[1]), cells
    assert re.fullmatch(r"\d+ s", cells[2]) and cells[3] == "2", cells
    assert cells[5] == str(len(MANIFEST)) and cells[-1] == "0", "new articles and failures of the replay"


def listed(out: str) -> list[tuple[int, str, str]]:
    return [(int(m[1]), m[2], m[3]) for m in ARTICLE_ROW.finditer(out)]


def test_articles_lists_ids_and_filters(session: Session) -> None:
    everything = listed(session.govnews("articles").stdout)
    assert len(everything) == len(MANIFEST)
    assert [published for *_, published in everything] == sorted((p for *_, p in everything), reverse=True)
    yancheng = listed(session.govnews("articles", "--site", "fixture-yancheng").stdout)
    assert {site for _, site, _ in yancheng} == {"fixture-yancheng"} and len(yancheng) == 2
    recent = listed(session.govnews("articles", "--since", "2020-10-01").stdout)
    assert [published[:10] for *_, published in recent] == ["2022-05-07", "2020-10-09"]
    titled = session.govnews("articles", "--search-title", "徐纓").stdout
    assert len(listed(titled)) == 1 and "市委常委會暨市委應對疫情工作領導小組召開會議" in titled


def test_dupes_shows_times_in_china_time(session: Session) -> None:
    article_id = listed(session.govnews("articles", "--site", "fixture-songjiang").stdout)[0][0]
    out = session.govnews("dupes", str(article_id)).stdout
    assert f"story" in out and "+08:00" in out
    assert "+00:00" not in out


def test_report_of_a_known_run(session: Session) -> None:
    run_id = re.search(r"run (manual__\w+) into", session.replay.stdout)[1]  # type: ignore[index]
    assert "fixture-songjiang" in session.govnews("report", "--run-id", run_id).stdout


def test_progress_redraws_on_a_terminal(fixture_origin: str, tmp_path: Path) -> None:
    env = clean_env(GOVNEWS_DATABASE_URL=f"sqlite:///{tmp_path / 'govnews.db'}", GOVNEWS_FIXTURE_ORIGIN=fixture_origin,
                    COLUMNS="120", TERM="xterm")
    code, screen = on_a_terminal([sys.executable, "-m", "pipeline.cli", "crawl", "fixture-yancheng"], env)
    assert code == 0, screen
    assert "requests / budget" in screen and "crawl ·" in screen
    assert "\x1b[1A\x1b[2K" in screen, "the view is not redrawn in place"
    assert re.search(r"fixture-yancheng +\d+ / 2000 +[1-9]\d* +0 +done", screen), screen


def on_a_terminal(command: list[str], env: dict[str, str], timeout: float = 120) -> tuple[int, str]:
    """Run ``command`` with a pseudo-terminal as its standard output and error; return what it drew."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(command, stdout=follower, stderr=follower, stdin=subprocess.DEVNULL, cwd=ROOT, env=env)
    os.close(follower)
    chunks, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1)
        if not ready:
            continue
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process has ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=10), b"".join(chunks).decode("utf-8", "replace")
