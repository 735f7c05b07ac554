"""A person's mistakes, one test each, as the command answers them: an ``error:`` line naming what is
wrong, a ``hint:`` with what to do, the documented exit code, no traceback (unless asked for)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from benchmarks.common import SERVER
from tests.commands import ROOT, assert_user_error, clean_env, free_port, govnews
from tests.crawling import failing_registry


def sqlite_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    return clean_env(GOVNEWS_DATABASE_URL=f"sqlite:///{tmp_path / 'govnews.db'}", **variables)


@pytest.mark.parametrize(("variables", "fragments"), [
    pytest.param({"GOVNEWS_DATABASE_URL": "not-a-url"},
                 ["GOVNEWS_DATABASE_URL", "'not-a-url' is not a database URL", "postgresql://USER@HOST:PORT/DATABASE"],
                 id="not-a-url"),
    pytest.param({"GOVNEWS_CRAWL_DELAY": "abc"},
                 ["GOVNEWS_CRAWL_DELAY='abc'", "valid number", "seconds between requests", "unset, it is 1.0"],
                 id="crawl-delay-abc"),
    pytest.param({"GOVNEWS_CONCURRENCY_PER_HOST": "3"},
                 ["GOVNEWS_CONCURRENCY_PER_HOST='3'", "less than or equal to 2", "unset, it is 2"],
                 id="concurrency-3"),
    pytest.param({"GOVNEWS_REGISTRY": "missing.yaml"},
                 ["cannot read the registry file missing.yaml", "No such file", "GOVNEWS_REGISTRY"],
                 id="registry-missing"),
])
def test_configuration_mistakes(variables: dict[str, str], fragments: list[str]) -> None:
    assert_user_error(govnews("sites", "list", env=clean_env(**variables)), 2, *fragments)


def test_a_registry_file_that_is_not_yaml(tmp_path: Path) -> None:
    registry = tmp_path / "sites.yaml"
    registry.write_text("- name: x\n  start_urls: [http://x.gov.cn/\n", encoding="utf-8")
    done = govnews("run", "x", env=clean_env(GOVNEWS_REGISTRY=str(registry)))
    assert_user_error(done, 2, f"registry file {registry} is not valid YAML (line 3, column 1)", "GOVNEWS_REGISTRY")


def postgres_url(**parts: object) -> str:
    return make_url(SERVER).set(**parts).render_as_string(hide_password=False)  # type: ignore[arg-type]


def test_a_database_not_created_yet_says_createdb() -> None:
    url = make_url(SERVER)
    done = govnews("runs", env=clean_env(GOVNEWS_DATABASE_URL=postgres_url(database="govnews_never_created")))
    assert_user_error(done, 2, f"database govnews_never_created does not exist on the PostgreSQL server at "
                      f"{url.host}:{url.port or 5432}",
                      f"createdb -h {url.host} -p {url.port or 5432} -U {url.username} govnews_never_created")


def test_a_wrong_port_or_a_server_down_says_so_without_the_password() -> None:
    port = free_port()  # nothing listens there: as for a server that is down
    url = postgres_url(port=port, password="pw-never-shown")
    done = govnews("runs", env=clean_env(GOVNEWS_DATABASE_URL=url))
    assert_user_error(done, 1, f"no PostgreSQL server answers at 127.0.0.1:{port}", ":***@", "start the server")
    assert "pw-never-shown" not in done.stderr


def test_an_unknown_user_is_refused() -> None:
    done = govnews("runs", env=clean_env(GOVNEWS_DATABASE_URL=postgres_url(username="govnews_nobody")))
    assert_user_error(done, 2, "refused user govnews_nobody", 'role "govnews_nobody" does not exist')


def test_an_sqlite_file_in_a_missing_folder(tmp_path: Path) -> None:
    done = govnews("runs", env=clean_env(GOVNEWS_DATABASE_URL=f"sqlite:///{tmp_path}/no/such/dir/govnews.db"))
    assert_user_error(done, 2, f"cannot open the SQLite database {tmp_path}/no/such/dir/govnews.db",
                      "its folder must exist")


def test_report_of_an_unknown_run(tmp_path: Path) -> None:
    done = govnews("report", "--run-id", "nosuchrun", env=sqlite_env(tmp_path))
    assert_user_error(done, 2, "no run nosuchrun", "`govnews runs` lists")


def test_dupes_of_an_unknown_article_points_to_the_list(tmp_path: Path) -> None:
    done = govnews("dupes", "999", env=sqlite_env(tmp_path))
    assert_user_error(done, 2, "no article 999", "`govnews articles` lists the stored articles")


def test_an_unknown_site(tmp_path: Path) -> None:
    done = govnews("crawl", "nowhere", env=sqlite_env(tmp_path))
    assert_user_error(done, 2, "site 'nowhere': not in the registry (known sites:", "`govnews sites list`")


def test_a_bad_parameter_is_a_usage_error() -> None:
    done = govnews("run", "--recrawl-since", "last-week")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "usage: govnews run" in done.stderr and "--recrawl-since: invalid" in done.stderr


def test_crawling_the_fixture_sites_with_no_fixture_server(tmp_path: Path) -> None:
    origin = f"http://127.0.0.1:{free_port()}"
    done = govnews("crawl", "fixture-songjiang", env=sqlite_env(tmp_path, GOVNEWS_FIXTURE_ORIGIN=origin))
    assert_user_error(done, 2, f"the fixture sites are served at {origin}", "nothing answers there",
                      "start `govnews fixtures serve`", "`govnews replay`")


def test_crawl_of_an_unreachable_site_exits_3(tmp_path: Path) -> None:
    env = sqlite_env(tmp_path, GOVNEWS_REGISTRY=str(failing_registry(tmp_path)), GOVNEWS_BACKOFF_MAX="0.2")
    done = govnews("crawl", "unreachable", env=env)
    assert_user_error(done, 3, "1 of 1 sites failed: unreachable (private_address)", "govnews sites check")
    assert "crawled; run id" in done.stdout


def test_a_run_where_every_site_failed_exits_3_after_the_report(tmp_path: Path) -> None:
    env = sqlite_env(tmp_path, GOVNEWS_REGISTRY=str(failing_registry(tmp_path)), GOVNEWS_BACKOFF_MAX="0.2")
    done = govnews("run", "unreachable", "broken", env=env)
    assert_user_error(done, 3, "2 of 2 sites failed: broken (bad_site_config), unreachable (private_address)")
    assert "run summary" in done.stdout and "private_address" in done.stdout


@pytest.mark.parametrize("how", ["--debug", "GOVNEWS_DEBUG=1"])
def test_debug_shows_the_traceback(how: str) -> None:
    env = clean_env(GOVNEWS_CRAWL_DELAY="abc", **dict([how.split("=")] if "=" in how else []))
    done = govnews(*([how] if how.startswith("--") else []), "sites", "list", env=env)
    assert done.returncode == 2
    assert "Traceback (most recent call last)" in done.stderr and "ValidationError" in done.stderr
    assert done.stderr.strip().splitlines()[-2].startswith("error: GOVNEWS_CRAWL_DELAY='abc'")


@pytest.mark.parametrize(("arguments", "fragment"), [
    pytest.param([], "the generic spider crawls one registry site: scrapy crawl generic -a site=NAME", id="no-site"),
    pytest.param(["-a", "site=nowhere"], "site 'nowhere': not in the registry", id="unknown-site"),
])
def test_scrapy_crawl_generic_checks_its_site(arguments: list[str], fragment: str, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "generic", *arguments], capture_output=True,
                          text=True, cwd=ROOT, env=sqlite_env(tmp_path), timeout=120)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "Task exception" not in done.stderr
    assert f"error: {fragment}" in done.stderr


HEAVY = ("sqlalchemy", "alembic", "scrapy", "twisted", "trafilatura", "lxml", "opencc", "rensa", "numpy",
         "psycopg2", "pipeline.store", "pipeline.stages", "pipeline.extract")
IMPORTS = """
import sys
from pipeline.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
print("loaded:", sorted(m for m in sys.modules if m in {heavy!r}))
"""


@pytest.mark.parametrize("argv", [["--help"], ["sites", "list"]], ids=" ".join)
def test_a_quick_command_imports_nothing_heavy_and_answers_at_once(argv: list[str]) -> None:
    """Under 0.5 s on an idle machine (README); the bound here is generous, for a busy one."""
    script = IMPORTS.format(argv=argv, heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT,
                          env=clean_env(), timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "loaded: []", "a quick command imported heavy modules"
    fastest = min(timed(argv) for _ in range(3))
    assert fastest < 2.0, f"govnews {' '.join(argv)} took {fastest:.2f} s at best"


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    done = govnews(*argv)
    assert done.returncode == 0, done.stderr
    return time.perf_counter() - started
