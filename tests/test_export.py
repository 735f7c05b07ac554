"""Exports of what the real stages stored: JSON lines and Parquet of articles with their story
clusters and versions, filters, standard output; a WARC of the raw responses that warcio reads back
record by record and checks."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy.orm import Session, sessionmaker
from warcio.archiveiterator import ArchiveIterator

from pipeline import export, store
from pipeline.records import RawPage
from pipeline.store.export import EXPORTED_FIELDS, article_rows
from tests.stories import NOW, cross_script, make_article, run, seed_article

BIN = Path(sys.executable).parent
CORRECTION = "\n（更正：本文第二段中的日期有誤，已於次日更正。）"
REPRINT = "http://news.example.com/sh/traditional-000.html"


@pytest.fixture
def archive(database_url: str) -> str:
    """Three articles: a seed, its reprint in the other script (one story), and a seed that was
    re-crawled with a correction (two versions)."""
    sessions = store.session_factory(database_url)
    seed, corrected = seed_article("000"), seed_article("001")
    run(sessions, "crawl-1", [seed, corrected, cross_script(seed, REPRINT)])
    run(sessions, "crawl-2", [make_article(corrected.url, corrected.site, corrected.title,
                                           corrected.body + CORRECTION, corrected.published_at)])
    return database_url


def govnews(database_url: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    result = subprocess.run([str(BIN / "govnews"), "export", *args], capture_output=True,
                            env={"PATH": "/usr/bin:/bin", "GOVNEWS_DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr.decode()
    return result


def test_jsonl_to_standard_output_has_clusters_and_versions(archive: str) -> None:
    result = govnews(archive, "--format", "jsonl")
    articles = {a["url"]: a for a in map(json.loads, result.stdout.decode().splitlines())}
    assert len(articles) == 3 and b"exported 3 articles" in result.stderr
    seed, corrected = seed_article("000"), seed_article("001")
    assert articles[seed.url]["cluster_id"] == articles[REPRINT]["cluster_id"] is not None
    assert articles[corrected.url]["cluster_id"] != articles[seed.url]["cluster_id"]
    versions = articles[corrected.url]["versions"]
    assert [v["version"] for v in versions] == [1] and versions[0]["body"] == corrected.body
    assert articles[corrected.url]["version"] == 2 and articles[corrected.url]["body"].endswith("已於次日更正。）")
    assert articles[seed.url]["versions"] == [] and articles[seed.url]["title"] == seed.title


def test_site_and_since_filters(archive: str) -> None:
    by_site = govnews(archive, "--format", "jsonl", "--site", "fixture-reprints").stdout.decode().splitlines()
    assert [json.loads(line)["url"] for line in by_site] == [REPRINT]
    # The seeds were published in 2020; the reprint three hours after seed 000 (2020-04-07).
    since = govnews(archive, "--format", "jsonl", "--since", "2020-04-05").stdout.decode().splitlines()
    assert {json.loads(line)["url"] for line in since} == {seed_article("000").url, REPRINT}


def test_parquet_file_has_the_same_articles(archive: str, tmp_path: Path) -> None:
    path = tmp_path / "articles.parquet"
    result = govnews(archive, "--format", "parquet", "--output", str(path))
    assert f"exported 3 articles to {path}".encode() in result.stderr
    table = pq.read_table(path)
    assert table.num_rows == 3
    rows = {r["url"]: r for r in table.to_pylist()}
    jsonl = {a["url"]: a for a in map(json.loads, govnews(archive, "--format", "jsonl").stdout.splitlines())}
    for url, row in rows.items():
        assert row["cluster_id"] == jsonl[url]["cluster_id"] and row["body"] == jsonl[url]["body"]
        assert row["published_at"] == datetime.fromisoformat(jsonl[url]["published_at"])
        assert [v["version"] for v in row["versions"]] == [v["version"] for v in jsonl[url]["versions"]]


def test_parquet_from_text_as_bytes_is_the_same(archive: str) -> None:
    """The text PostgreSQL sends as UTF-8 bytes goes into the Parquet file as it is: the same table
    as from decoded strings."""
    sessions = store.session_factory(archive)
    with sessions() as session:
        first = next(article_rows(session, text_as_bytes=True))
    assert isinstance(first[EXPORTED_FIELDS.index("body")], bytes)
    tables = []
    for text_as_bytes in (False, True):
        out = BytesIO()
        with sessions() as session:
            export.write_parquet(article_rows(session, text_as_bytes=text_as_bytes), out)
        tables.append(pq.read_table(BytesIO(out.getvalue())))
    assert tables[0].num_rows == 3 and tables[0].equals(tables[1])


def test_warc_of_the_raw_responses_reads_back_with_warcio(database_url: str, tmp_path: Path) -> None:
    sessions: sessionmaker[Session] = store.session_factory(database_url)
    html = "<html><head><title>松江</title></head><body>区委常委会</body></html>".encode("gb18030")
    with sessions.begin() as session:
        store.save_pages(session, "crawl-1", [
            RawPage("http://www.songjiang.gov.cn/a/1.html", "fixture-songjiang", 200,
                    {"content-type": "text/html; charset=gb2312", "content-encoding": "gzip",
                     "transfer-encoding": "chunked"}, html, NOW),
            RawPage("http://www.songjiang.gov.cn/a/gone.html", "fixture-songjiang", 404, {}, b"", NOW),
            RawPage("http://www.example.gov.cn/b.html", "fixture-yancheng", 200, {}, b"x", NOW - timedelta(days=9)),
        ])
    path = tmp_path / "pages.warc.gz"
    govnews(database_url, "--format", "warc", "--site", "fixture-songjiang", "--output", str(path))
    with path.open("rb") as stream:
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.http_headers, r.content_stream().read(),
                    r.rec_headers.get_header("WARC-Date")) for r in ArchiveIterator(stream)]
    assert [r[0] for r in records] == ["warcinfo", "response", "response"]
    _, url, http, body, date = records[1]
    assert url == "http://www.songjiang.gov.cn/a/1.html" and body == html
    assert http.get_statuscode() == "200" and http.get_header("Content-Type") == "text/html; charset=gb2312"
    assert http.get_header("Content-Encoding") is None and http.get_header("Transfer-Encoding") is None
    assert date == "2026-11-29T18:00:00Z"  # NOW, 02:00 China time
    assert records[2][2].get_statuscode() == "404"
    check = subprocess.run([str(BIN / "warcio"), "check", "-v", str(path)], capture_output=True, text=True)
    assert check.returncode == 0 and "digest pass" in check.stdout, check.stdout + check.stderr


def test_binary_formats_are_not_written_to_a_terminal(database_url: str) -> None:
    import pty

    _, secondary = pty.openpty()
    result = subprocess.run([str(BIN / "govnews"), "export", "--format", "parquet"], stdout=secondary,
                            stderr=subprocess.PIPE, env={"PATH": "/usr/bin:/bin", "GOVNEWS_DATABASE_URL": database_url})
    assert result.returncode == 2 and b"give --output PATH" in result.stderr


def test_the_embedded_sqlite_database_exports_too(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'govnews.db'}"
    seed = seed_article("000")
    run(store.session_factory(url), "crawl-1", [seed, cross_script(seed, REPRINT)])
    [line] = govnews(url, "--format", "jsonl", "--site", "fixture-reprints").stdout.splitlines()
    article = json.loads(line)
    assert article["url"] == REPRINT and article["cluster_id"] is not None and article["body_simplified"]
