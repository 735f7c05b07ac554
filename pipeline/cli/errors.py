"""What the command tells a person when something they can fix goes wrong, and its exit codes."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Part of the interface: documented in the README, branched on by cron and Airflow."""

    OK = 0  # all went well
    FAILED = 1  # the run failed
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
    from pipeline.sites import SiteError

    if isinstance(error, SiteError):
        return UserError(str(error), "`govnews sites list` shows the registry and what is wrong with each entry")
    return None
