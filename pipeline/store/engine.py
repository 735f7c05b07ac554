"""Engines, sessions and the schema's migrations; the upsert helpers every writer shares."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(database_url: str) -> Engine:
    engine = create_engine(database_url, future=True)
    if engine.dialect.name == "sqlite":
        # SQLite enforces foreign keys only when asked, per connection; wait rather than fail when
        # the crawl subprocess and this process write at the same time.
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (safe to call on every start)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")


def alembic_config(connection: Connection) -> Config:
    """Alembic's configuration for running the migrations over ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def session_factory(database_url: str) -> sessionmaker[Session]:
    engine = make_engine(database_url)
    migrate(engine)
    return sessionmaker(engine, expire_on_commit=False)


@cache
def shared_session_factory(database_url: str) -> sessionmaker[Session]:
    """One engine per database for the whole process, migrated once: a crawl process runs a crawler
    per site, and an engine (with its connection pool) per crawler would take a server's hundred
    connections with a hundred sites. Never disposed: it lives as long as the process."""
    return session_factory(database_url)


def insert_for(session: Session, model: type) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def changed(model: type, excluded: Any, columns: Iterable[str]) -> Any:
    """Only rows whose values differ are updated: no dead tuples for unchanged re-runs."""
    return or_(*(getattr(model, c).is_distinct_from(getattr(excluded, c)) for c in columns))
