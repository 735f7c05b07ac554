"""`scripts/airflow-celery` started for a test or a benchmark: throw-away metadata database, a Redis
key prefix of its own, ready when the script says so, stopped (SIGTERM, then SIGKILL) afterwards."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from benchmarks.common import throwaway_database
from pipeline.settings import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "airflow-celery"
BROKER = "redis://127.0.0.1:6379/13"  # a database of its own on the shared server; keys prefixed per start
START_TIMEOUT = 300  # seconds: seven Airflow processes importing at once on two busy cores
PASSWORD = "govnews-celery"


def trigger_module() -> Any:
    """scripts/trigger_via_api.py, which is a script, not a package module."""
    spec = importlib.util.spec_from_file_location("trigger_via_api", PROJECT_ROOT / "scripts" / "trigger_via_api.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@dataclass(frozen=True)
class Deployment:
    process: subprocess.Popen[bytes]
    url: str
    password: str
    metadata_url: str
    log: Path

    def components(self) -> dict[int, str]:
        """The processes the script started (each leads its process group), by pid: their command lines."""
        listed = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(self.process.pid)], capture_output=True,
                                text=True)
        return {int(pid): args for pid, _, args in (line.strip().partition(" ") for line in listed.stdout.splitlines())}

    def query(self, sql: str, **params: object) -> list[tuple[Any, ...]]:
        engine = create_engine(self.metadata_url)
        with engine.connect() as connection:
            rows = [tuple(row) for row in connection.execute(text(sql), params)]
        engine.dispose()
        return rows

    def log_tail(self, lines: int = 80) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def celery_deployment(home: Path, env: dict[str, str]) -> Iterator[Deployment]:
    """Start scripts/airflow-celery with ``env`` on top of a clean environment (no AIRFLOW/GOVNEWS
    variables of the caller's); yields once it printed "ready"; stops it whatever happens."""
    log = home / "airflow-celery.log"
    port = free_port()
    with throwaway_database("airflow_celery", migrated=False) as metadata_url:
        base = {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "GOVNEWS_"))}
        full = {**base, "AIRFLOW_HOME": str(home), "AIRFLOW_API_PORT": str(port), "AIRFLOW_ADMIN_PASSWORD": PASSWORD,
                "AIRFLOW_DATABASE_URL": metadata_url, "AIRFLOW__CELERY__BROKER_URL": BROKER,
                "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX": f"govnews-{uuid.uuid4().hex[:8]}:",
                "PYTHONUNBUFFERED": "1", **env}
        with log.open("wb") as out:
            process = subprocess.Popen([str(SCRIPT)], cwd=home, env=full, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        deployment = Deployment(process, f"http://127.0.0.1:{port}", PASSWORD, metadata_url, log)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while b"\nairflow-celery: ready\n" not in log.read_bytes():
                if process.poll() is not None:
                    raise RuntimeError(f"scripts/airflow-celery exited with {process.returncode}:\n"
                                       f"{deployment.log_tail()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"scripts/airflow-celery not ready within {START_TIMEOUT} s:\n"
                                       f"{deployment.log_tail()}")
                time.sleep(2)
            yield deployment
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
