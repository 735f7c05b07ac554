"""Database URLs as people write them: every PostgreSQL form reaches the real server through psycopg2,
SQLite paths are relative to where the command runs (the crawl process included), anything else
is refused with a message that says what to write."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from benchmarks.common import throwaway_database
from pipeline import store
from pipeline.settings import Settings, database_url, masked
from tests.commands import ROOT, assert_user_error, clean_env, govnews

POSTGRES_FORMS = ["postgresql", "postgres", "postgresql+psycopg2", "POSTGRESQL"]


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    with throwaway_database("govnews_urls", migrated=False) as url:
        yield url


def written_as(url: str, scheme: str, password: str | None = None) -> str:
    parts = make_url(url)
    if password:
        parts = parts.set(password=password)  # the server trusts local users: any password is accepted
    return scheme + "://" + parts.render_as_string(hide_password=False).split("://", 1)[1]


@pytest.mark.parametrize("scheme", POSTGRES_FORMS)
def test_every_postgresql_form_reaches_the_server_with_psycopg2(empty_postgres: str, scheme: str) -> None:
    settings = Settings(database_url=written_as(empty_postgres, scheme))
    assert settings.database_url.startswith("postgresql+psycopg2://")
    engine = store.make_engine(settings.database_url)
    store.migrate(engine)
    assert "articles" in inspect(engine).get_table_names()
    engine.dispose()


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_the_command_takes_the_usual_forms(empty_postgres: str, scheme: str) -> None:
    url = written_as(empty_postgres, scheme, password="pw-not-to-be-printed")
    done = govnews("db", "upgrade", env=clean_env(GOVNEWS_DATABASE_URL=url))
    assert done.returncode == 0, done.stderr
    assert "schema up to date in postgresql+psycopg2://postgres:***@" in done.stdout
    assert "pw-not-to-be-printed" not in done.stdout + done.stderr


def test_the_test_server_url_takes_the_usual_forms(empty_postgres: str) -> None:
    """GOVNEWS_TEST_POSTGRES (benchmarks and tests) is read like GOVNEWS_DATABASE_URL."""
    server = written_as(empty_postgres, "postgres")
    script = ("from benchmarks.common import SERVER, throwaway_database\n"
              "with throwaway_database('govnews_urls_form') as url: print(SERVER.split('://')[0], url.split('://')[0])")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "GOVNEWS_TEST_POSTGRES": server})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["postgresql+psycopg2", "postgresql+psycopg2"]


def test_psycopg3_says_which_driver_is_missing_and_what_to_write() -> None:
    done = govnews("sites", "list", env=clean_env(GOVNEWS_DATABASE_URL="postgresql+psycopg://u:secret@127.0.0.1/db"))
    assert_user_error(done, 2, "GOVNEWS_DATABASE_URL", "the driver psycopg, which is not installed",
                      "write postgresql://")
    assert "secret" not in done.stderr


@pytest.mark.parametrize(("url", "expected"), [
    ("sqlite:///govnews.db", "sqlite:///{cwd}/govnews.db"),
    ("sqlite:///data/govnews.db?timeout=5", "sqlite:///{cwd}/data/govnews.db?timeout=5"),
    ("sqlite:////var/lib/govnews.db", "sqlite:////var/lib/govnews.db"),
    ("sqlite://", "sqlite://"),
    ("sqlite:///:memory:", "sqlite:///:memory:"),
    (" postgres://u:p@h:5433/db ", "postgresql+psycopg2://u:p@h:5433/db"),
])
def test_sqlite_paths_become_absolute_and_postgres_forms_psycopg2(url: str, expected: str) -> None:
    assert database_url(url) == expected.format(cwd=Path.cwd())


@pytest.mark.parametrize(("url", "message"), [
    ("not-a-url", "is not a database URL"),
    ("mysql://u@h/db", "PostgreSQL or SQLite, not mysql"),
    ("postgresql+pg8000://u@h/db", "asks for the driver pg8000"),
])
def test_other_urls_are_refused_with_what_to_write(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as refused:
        database_url(url)
    assert "postgresql://USER@HOST:PORT/DATABASE" in str(refused.value) or "postgresql://…" in str(refused.value)


def test_sqlite_relative_and_absolute_paths_from_the_command(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    relative = govnews("db", "upgrade", env=clean_env(GOVNEWS_DATABASE_URL="sqlite:///data/rel.db"), cwd=tmp_path)
    absolute = govnews("db", "upgrade", env=clean_env(GOVNEWS_DATABASE_URL=f"sqlite:///{tmp_path / 'abs.db'}"))
    assert relative.returncode == 0 and absolute.returncode == 0, relative.stderr + absolute.stderr
    assert (tmp_path / "data" / "rel.db").is_file() and (tmp_path / "abs.db").is_file()


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://u:s3cret@h/db", "postgresql://u:***@h/db"),
    ("postgresql+psycopg2://u:s3:cr%40et@h:5432/db", "postgresql+psycopg2://u:***@h:5432/db"),
    ("postgresql://u@h/db", "postgresql://u@h/db"),
    ("postgresql://h:5432/db", "postgresql://h:5432/db"),
])
def test_passwords_are_masked(url: str, shown: str) -> None:
    assert masked(url) == shown
