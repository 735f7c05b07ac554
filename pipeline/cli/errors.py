"""What the command tells a person when something they can fix goes wrong, and its exit codes."""

from __future__ import annotations

import sys
from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    """Part of the interface: documented in the README, branched on by cron and Airflow."""

    OK = 0  # all went well
    FAILED = 1  # the run failed (or could not reach a database that may come back)
    USAGE = 2  # usage or configuration: nothing was done
    PARTIAL = 3  # the run finished, but some sites (or inputs) failed


class UserError(Exception):
    """A mistake a person can fix: printed as ``error: …`` and ``hint: …``, without a traceback."""

    def __init__(self, message: str, hint: str = "", code: ExitCode = ExitCode.USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code


def as_user_error(error: BaseException) -> UserError | None:
    """The person's side of a known failure, or ``None`` for a bug (which keeps its traceback)."""
    if isinstance(error, UserError):
        return error
    from pydantic import ValidationError

    from pipeline.sites import RegistryFileError, SiteError

    if isinstance(error, SiteError):
        return UserError(str(error), "`govnews sites list` shows the registry and what is wrong with each entry")
    if isinstance(error, RegistryFileError):
        return UserError(str(error), "GOVNEWS_REGISTRY names extra registry files (separated by ':'), "
                         "each a YAML list of site entries; fix the file or unset the variable")
    if isinstance(error, ValidationError) and error.title == "Settings":
        return _configuration_error(error.errors())
    return _database_error(error)


DISK_FULL = "53100"  # PostgreSQL's SQLSTATE disk_full


def _database_error(error: BaseException) -> UserError | None:
    """The database went away for longer than the retry time, or its disk is full: nothing of the
    stage's unit of work was kept, and running the same command again once it is fixed finishes it."""
    if "sqlalchemy" not in sys.modules:  # no database was touched
        return None
    from sqlalchemy.exc import OperationalError

    from pipeline.store import DatabaseUnavailable

    again = "run the same command again (same run id): what was stored is kept, and the stage resumes"
    if isinstance(error, DatabaseUnavailable):
        return UserError(str(error), f"start the server or wait for it, then {again}", ExitCode.FAILED)
    if isinstance(error, OperationalError) and getattr(error.orig, "pgcode", None) == DISK_FULL:
        return UserError(f"the database server's disk is full: {str(error.orig).strip()}",
                         f"free space on the server (or grow its volume), then {again}", ExitCode.FAILED)
    return None


def _configuration_error(problems: list[Any]) -> UserError:
    """A GOVNEWS_* variable that does not hold a usable value: which one, what is wrong, the default."""
    from pipeline.settings import Settings, masked

    lines, hints = [], []
    for problem in problems:
        name = str(problem["loc"][0]) if problem["loc"] else "?"
        variable = f"GOVNEWS_{name.upper()}"
        reason = problem["msg"].removeprefix("Value error, ")
        # A bad URL's own message shows it already, masked.
        lines.append(f"{variable}: {reason}" if name == "database_url"
                     else f"{variable}={masked(str(problem.get('input', '')))!r}: {reason}")
        field = Settings.model_fields.get(name)
        if field is not None:
            what = (field.description or "").rstrip(".")
            default = "" if name == "database_url" else f"; unset, it is {field.default!r}"
            hints.append(f"{variable}{' is ' + what[:1].lower() + what[1:] if what else ''}{default}")
    return UserError("; ".join(lines), "; ".join(hints))
