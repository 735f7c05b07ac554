"""Shared fixtures: a real PostgreSQL database, the fixture sites over real HTTP, settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from benchmarks.chaos.cluster import Cluster, private_cluster
from benchmarks.common import SERVER, throwaway_database
from pipeline.settings import Settings
from pipeline.store.models import Base

ROOT = Path(__file__).resolve().parent.parent
# Third-party pages (benchmark corpus, challenge samples) are read from the shared folder beside
# the repository, never copied into it; tests that need them skip where it is absent.
SHARED = Path(os.environ.get("GOVNEWS_SHARED", ROOT.parent / "shared"))
BENCHMARK = SHARED / "benchmarks" / "extraction"
MEDIA_BENCHMARK = SHARED / "benchmarks" / "extraction-media"

# Airflow reads its configuration when first imported: point it at a throw-away home first.
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="govnews-airflow-")
os.environ["GOVNEWS_CACHE_DIR"] = tempfile.mkdtemp(prefix="govnews-cache-")  # parsed registries
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")

# The server to test against (GOVNEWS_TEST_POSTGRES): its maintenance database creates throw-away ones.
POSTGRES_URL = SERVER


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database on the real PostgreSQL server, migrated, dropped at the end."""
    admin = create_engine(POSTGRES_URL)
    try:
        admin.connect().close()
    except OperationalError as error:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL} ({error.orig}); start it "
                    "(see .ci/run) or point GOVNEWS_TEST_POSTGRES at a server.")
    finally:
        admin.dispose()
    with throwaway_database("govnews_test") as url:
        yield url


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[Cluster]:
    """A PostgreSQL cluster of our own (initdb in a temporary folder, a free port), for the tests that
    restart, stop or starve their server: the shared one is never touched. Removed at the end."""
    with private_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Airflow's own metadata database (SQLite in the throw-away AIRFLOW_HOME), migrated."""
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True, env=os.environ)


def benchmark_gold(folder: Path = BENCHMARK) -> list[object]:
    """One test parameter per benchmark page, its gold answer (with ``id``); a skip where absent."""
    if not (folder / "gold").is_dir():
        reason = f"no extraction benchmark at {folder}; set GOVNEWS_SHARED to the shared folder"
        return [pytest.param(None, id="benchmark-absent", marks=pytest.mark.skip(reason))]
    return [pytest.param({**json.loads(path.read_text(encoding="utf-8")), "id": path.stem}, id=path.stem)
            for path in sorted((folder / "gold").glob("*.json"))]


def empty_database(url: str) -> str:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """The test database, emptied before each test."""
    return empty_database(postgres_url)


@pytest.fixture(scope="session")
def fixture_origin() -> Iterator[str]:
    from pipeline.fixtures.seed_sites import serve_fixtures

    with serve_fixtures() as origin:
        yield origin


@pytest.fixture
def settings(database_url: str, fixture_origin: str) -> Settings:
    return Settings(database_url=database_url, fixture_origin=fixture_origin, registry="")
