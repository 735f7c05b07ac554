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
