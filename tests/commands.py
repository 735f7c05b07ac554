"""Helpers of the command-line tests: the govnews command run as a person runs it (a subprocess, a
clean GOVNEWS_* environment), and the checks every error answer must pass."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def clean_env(**variables: str) -> dict[str, str]:
    """This environment without any GOVNEWS_* or debug setting, plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVNEWS_")}
    return {**env, **variables}


def govnews(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True,
                          env=env if env is not None else clean_env(), cwd=cwd or ROOT, timeout=timeout)


def assert_user_error(done: subprocess.CompletedProcess[str], code: int, *fragments: str) -> None:
    """An answer to a person's mistake: ``error:`` (and maybe ``hint:``) lines naming what is wrong,
    the documented exit code, and no traceback."""
    output = done.stdout + done.stderr
    assert "Traceback" not in output, f"a traceback instead of an error line:\n{output}"
    assert done.returncode == code, f"exit code {done.returncode}, expected {code}:\n{output}"
    lines = done.stderr.strip().splitlines()
    assert lines and lines[-1].startswith(("error:", "hint:")), f"no error/hint lines at the end:\n{done.stderr}"
    for fragment in fragments:
        assert fragment in done.stderr, f"{fragment!r} missing from the error:\n{done.stderr}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
