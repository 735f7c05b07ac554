"""The govnews command as a user runs it: a real subprocess, real files, real exit codes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.fixtures.seed_sites import build_pages, load_manifest

MANIFEST = load_manifest()
PAGES = build_pages(MANIFEST)


def govnews(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True, env=env)


def fixture_page(site: str) -> tuple[bytes, object]:
    fixture = next(f for f in MANIFEST if f.site == site)
    return PAGES[fixture.path].body, fixture


def test_extract_a_saved_gbk_page(tmp_path: Path) -> None:
    body, fixture = fixture_page("fixture-yancheng")
    body.decode("gbk")  # the saved bytes really are GBK
    saved = tmp_path / "page.html"
    saved.write_bytes(body)
    done = govnews("extract", str(saved))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["title"] == fixture.title
    assert result["published_at"] == fixture.published_at.isoformat()
    assert result["source"] == fixture.source
    assert result["script"] == "traditional"
    assert "(lǐng)" not in result["body"] and "领导" in result["body_simplified"]
    assert set(result) >= {"author", "editor", "photographer", "flags", "attachments", "extractor_version"}


def test_extract_keeps_the_body_after_a_stray_end_of_document(tmp_path: Path) -> None:
    body, fixture = fixture_page("fixture-songjiang")
    html = body.decode("utf-8")
    marker = "</p>"
    first = html.index(marker) + len(marker)
    saved = tmp_path / "stray.html"
    saved.write_text(html[:first] + "</body></html>" + html[first:], encoding="utf-8")
    done = govnews("extract", "--format", "json", str(saved))
    assert done.returncode == 0, done.stderr
    text = json.loads(done.stdout)["body"]
    assert fixture.body[-1][:30] in text, "the paragraphs after the stray </html> were lost"


@pytest.mark.parametrize(
    "page",
    [
        pytest.param(b"<html><head><meta r='m'><script r='m'>$_ts=window['$_ts'];$_ts.nsd=1;"
                     b"$_ts.cd='qqqq';</script></head><body></body></html>", id="ruishu"),
        pytest.param(b"<html><script>document.cookie=('_')+('_jsl_clearance')+'=1';location.href="
                     b"location.pathname</script></html>", id="jiasule"),
    ],
)
def test_extract_rejects_an_anti_bot_page(tmp_path: Path, page: bytes) -> None:
    saved = tmp_path / "challenge.html"
    saved.write_bytes(page)
    done = govnews("extract", str(saved))
    assert done.returncode == 1
    assert json.loads(done.stdout)["rejected"] == "anti_bot_challenge"


def saved_fixtures(tmp_path: Path) -> list[tuple[Path, object]]:
    saved = []
    for fixture in MANIFEST:
        path = tmp_path / f"{fixture.seed[:3]}.html"
        path.write_bytes(PAGES[fixture.path].body)
        saved.append((path, fixture))
    return saved


def test_extract_several_pages_prints_json_lines_in_order(tmp_path: Path) -> None:
    saved = saved_fixtures(tmp_path)
    done = govnews("extract", *(str(path) for path, _ in saved))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(saved), "one JSON object per line, one line per page"
    results = [json.loads(line) for line in lines]
    assert [r["title"] for r in results] == [fixture.title for _, fixture in saved]
    assert all(r["title_source"] and r["date_source"] for r in results)


def test_extract_reports_unreadable_inputs_and_goes_on(tmp_path: Path) -> None:
    (path, fixture), *_ = saved_fixtures(tmp_path)
    (tmp_path / "folder").mkdir()
    (tmp_path / "notes.txt").write_text("just some notes, no markup", encoding="utf-8")
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4 binary")
    sources = [str(tmp_path / "missing.html"), str(path), str(tmp_path / "folder"), str(tmp_path / "notes.txt"),
               str(tmp_path / "scan.pdf"), "http://127.0.0.1:9/closed-port.html"]
    if os.geteuid() != 0:  # root reads any file
        locked = tmp_path / "locked.html"
        locked.write_bytes(PAGES[fixture.path].body)
        locked.chmod(0)
        sources.append(str(locked))
    done = govnews("extract", *sources)
    assert done.returncode == 3, "some pages failed, some did not"
    assert [json.loads(line)["title"] for line in done.stdout.splitlines()] == [fixture.title]
    errors = done.stderr.splitlines()
    assert all(line.startswith("error: ") for line in errors) and "Traceback" not in done.stderr
    for source in sources:
        if source != str(path):
            assert any(source in line for line in errors), f"no error line names {source}"
    assert "no such file" in done.stderr and "a directory" in done.stderr and "not an HTML page" in done.stderr
    assert "unreachable" in done.stderr


def test_extract_fails_when_every_page_fails(tmp_path: Path) -> None:
    done = govnews("extract", str(tmp_path / "a.html"), str(tmp_path / "b.html"))
    assert done.returncode == 1
    assert done.stdout == "" and len(done.stderr.splitlines()) == 2


def test_extract_needs_pages_or_a_run() -> None:
    done = govnews("extract")
    assert done.returncode != 0
    assert "FILE or URL" in done.stderr


def test_replay_twice_into_the_embedded_database(tmp_path: Path) -> None:
    """The first quick-start command: five seed articles into SQLite, then nothing new."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVNEWS_")}
    env["GOVNEWS_DATABASE_URL"] = f"sqlite:///{tmp_path / 'govnews.db'}"
    first = govnews("replay", env=env)
    assert first.returncode == 0, first.stderr
    assert "5 articles stored" in first.stdout
    for fixture in MANIFEST:
        assert fixture.title[:12] in first.stdout, f"{fixture.seed}: title missing from the replay output"
    assert "dns_error" not in first.stdout, "the replay must crawl the fixture sites only"
    second = govnews("replay", env=env)
    assert second.returncode == 0, second.stderr
    assert "5 articles stored" in second.stdout
    with sqlite3.connect(tmp_path / "govnews.db") as db:
        assert db.execute("select count(*) from articles").fetchone() == (5,)
        reports = [json.loads(row[0]) for row in db.execute("select report from runs order by started_at")]
    assert [sum(c["articles"] for c in r["sites"].values()) for r in reports] == [5, 0]
    assert set(reports[1]["sites"]) == {"fixture-songjiang", "fixture-yancheng"}
