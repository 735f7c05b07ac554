"""`govnews fixtures serve` as the README tells a person to use it: at GOVNEWS_FIXTURE_ORIGIN (or
--port), naming each fixture site's start page, with an index at /, and crawlable from another
terminal with the same setting."""

from __future__ import annotations

import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.commands import ROOT, assert_user_error, clean_env, free_port, govnews

START_PATHS = {"fixture-songjiang": "/songjiang/xwzx/index.html", "fixture-yancheng": "/yancheng/col/szyw/index.html"}


@contextmanager
def serving(*args: str, env: dict[str, str]) -> Iterator[list[str]]:
    """`govnews fixtures serve ARGS` running; yields the lines it printed on start."""
    process = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "fixtures", "serve", *args], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for line in process.stdout:  # type: ignore[union-attr]
            lines.append(line.rstrip("\n"))
            if line.startswith(("crawl them", "error:")) or len(lines) > 20:
                break
        yield lines
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 130, "Ctrl-C stops the server"


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode("utf-8", "replace")  # the yancheng pages are GBK


def test_serves_at_the_configured_origin_lists_the_sites_and_can_be_crawled(tmp_path: Path) -> None:
    origin = f"http://127.0.0.1:{free_port()}"
    env = clean_env(GOVNEWS_FIXTURE_ORIGIN=origin, GOVNEWS_DATABASE_URL=f"sqlite:///{tmp_path / 'govnews.db'}")
    with serving(env=env) as lines:
        assert lines[0].startswith(f"serving the fixture sites at {origin}/"), lines
        for site, path in START_PATHS.items():
            assert any(line.split() == [site, origin + path] for line in lines), f"{site} not listed: {lines}"
        assert lines[-1] == "crawl them from another terminal: govnews crawl fixture-songjiang fixture-yancheng"
        status, index = get(origin + "/")
        assert status == 200 and "govnews fixture sites" in index
        assert all(f'href="{path}"' in index for path in START_PATHS.values())
        assert get(origin + START_PATHS["fixture-yancheng"])[0] == 200
        crawled = govnews("crawl", "fixture-yancheng", env=env)
    assert crawled.returncode == 0, crawled.stderr
    assert "crawl: fixture-yancheng: " in crawled.stderr and " 0 failed, done" in crawled.stderr


def test_port_overrides_the_origin_and_says_how_to_crawl_it() -> None:
    port = free_port()
    with serving("--port", str(port), env=clean_env()) as lines:
        assert lines[0].startswith(f"serving the fixture sites at http://127.0.0.1:{port}/")
        assert lines[-1].startswith(f"crawl them from another terminal: GOVNEWS_FIXTURE_ORIGIN=http://127.0.0.1:{port} "
                                    "govnews crawl")
        assert get(f"http://127.0.0.1:{port}/")[0] == 200


def test_a_port_in_use_is_an_error() -> None:
    port = free_port()
    with serving("--port", str(port), env=clean_env()):
        done = govnews("fixtures", "serve", "--port", str(port))
    assert_user_error(done, 2, f"cannot serve the fixture sites on 127.0.0.1:{port}", "choose another --port")
