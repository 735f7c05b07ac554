"""The articles database as the commands open it: a database a person cannot reach is a
:class:`UserError` that says what to do (create it, start the server, fix the URL)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pipeline.cli.errors import ExitCode, UserError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from pipeline.settings import Settings


def open_sessions(settings: Settings) -> sessionmaker[Session]:
    """Sessions on the articles database, its schema brought up to date."""
    from sqlalchemy.exc import OperationalError

    from pipeline import store

    try:
        return store.session_factory(settings.database_url)
    except OperationalError as error:
        raise unreachable(settings.database_url, str(error.orig)) from error


def unreachable(url: str, reason: str) -> UserError:
    """What a failed connection means for the person who gave ``url``, from the driver's message."""
    from sqlalchemy.engine import make_url

    from pipeline.settings import masked

    parts = make_url(url)
    if parts.get_backend_name() == "sqlite":
        return UserError(f"cannot open the SQLite database {parts.database}: {reason}",
                         "its folder must exist and be writable; or set GOVNEWS_DATABASE_URL to another path")
    host, port, user = parts.host or "localhost", parts.port or 5432, parts.username or "postgres"
    server = f"{host}:{port}"
    shown = f"GOVNEWS_DATABASE_URL={masked(url)}"
    if missing := re.search(r'database "([^"]+)" does not exist', reason):
        return UserError(f"database {missing[1]} does not exist on the PostgreSQL server at {server}",
                         f"create it: createdb -h {host} -p {port} -U {user} {missing[1]}")
    if re.search(r"Connection refused|timeout expired|Connection timed out|No route to host", reason):
        return UserError(f"no PostgreSQL server answers at {server} ({shown})",
                         "start the server, or fix the host and port in GOVNEWS_DATABASE_URL", ExitCode.FAILED)
    if unknown := re.search(r'could not translate host name "([^"]+)"', reason):
        return UserError(f"unknown database host {unknown[1]} ({shown})", "fix the host in GOVNEWS_DATABASE_URL")
    if re.search(r"password authentication failed|role \"[^\"]+\" does not exist|no password supplied", reason):
        return UserError(f"the PostgreSQL server at {server} refused user {user}: {_first_line(reason)}",
                         "fix the user and password in GOVNEWS_DATABASE_URL")
    return UserError(f"cannot connect to the database ({shown}): {_first_line(reason)}",
                     "check GOVNEWS_DATABASE_URL and that the server runs", ExitCode.FAILED)


def _first_line(reason: str) -> str:
    return re.sub(r"^connection to server at [^:]+ failed: (FATAL: +)?", "", reason.strip().splitlines()[0])
