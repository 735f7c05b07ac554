"""Engines, sessions and the schema's migrations; the upsert helpers every writer shares."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
RETRY_FIRST, RETRY_LONGEST = 0.5, 8.0  # seconds between tries: doubling from the first to the longest

log = logging.getLogger("govnews.store")
T = TypeVar("T")


class DatabaseUnavailable(RuntimeError):
    """The database stayed out of reach for the whole retry time: the unit of work was not done."""


def make_engine(database_url: str) -> Engine:
    # A pooled connection is pinged before use: one a server restart has broken is replaced quietly.
    engine = create_engine(database_url, future=True, pool_pre_ping=True)
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


def in_transaction(sessions: sessionmaker[Session], work: Callable[[Session], T], retry_seconds: float) -> T:
    """``work(session)`` in one transaction. When the connection is lost or cannot be made (the server
    restarts, fails over, is briefly unreachable), the transaction is rolled back and the work done again
    after a back-off, for ``retry_seconds`` at most; then DatabaseUnavailable. Other errors (a failed
    statement, a full disk) raise at once: trying again would fail the same way."""
    deadline = time.monotonic() + retry_seconds
    delay = RETRY_FIRST
    while True:
        try:
            with sessions.begin() as session:
                return work(session)
        except DBAPIError as error:
            if not lost_connection(error):
                raise
            if time.monotonic() + delay > deadline:
                raise DatabaseUnavailable(f"the database stayed unreachable for {retry_seconds:g} s "
                                          f"(GOVNEWS_DB_RETRY_SECONDS): {error.orig}") from error
            log.warning("database connection lost (%s); trying again in %g s", str(error.orig).strip(), delay)
            time.sleep(delay)
            delay = min(delay * 2, RETRY_LONGEST)


def lost_connection(error: DBAPIError) -> bool:
    """The connection broke (SQLAlchemy's disconnect check: ``connection_invalidated``) or none could be
    opened (an OperationalError before any statement): the server, not the work, is at fault."""
    return error.connection_invalidated or (isinstance(error, OperationalError) and error.statement is None)


def insert_for(session: Session, model: type) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def changed(model: type, excluded: Any, columns: Iterable[str]) -> Any:
    """Only rows whose values differ are updated: no dead tuples for unchanged re-runs."""
    return or_(*(getattr(model, c).is_distinct_from(getattr(excluded, c)) for c in columns))
