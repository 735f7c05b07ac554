"""The no-Docker UI path, for real: `scripts/airflow-local` starts `airflow standalone` on a free port
with a throw-away AIRFLOW_HOME and the project's dags/; `scripts/trigger_via_api.py` logs in through
the REST API, triggers `govnews_replay` with parameters and waits; the run succeeds and its articles
are in a throw-away PostgreSQL database reached through the Airflow connection `govnews_db`.

Slow by nature (Airflow starts four components): about 1.5-3 minutes on two cores.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.common import throwaway_database

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DAG_ID = "govnews_replay"
CONF = {"sites": ["fixture-songjiang"]}
START_TIMEOUT = 300  # seconds; four Airflow processes importing at once on two busy cores


def _load_trigger_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("trigger_via_api", ROOT / "scripts" / "trigger_via_api.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


trigger_via_api = _load_trigger_module()


@dataclass(frozen=True)
class Server:
    url: str
    password: str
    home: Path
    articles_url: str
    log: Path

    def api(self):  # type: ignore[no-untyped-def]
        api = trigger_via_api.Airflow(self.url)
        api.login("admin", self.password)
        return api


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _log_tail(log: Path, lines: int = 60) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else "(no log)"


@pytest.fixture(scope="module")
def articles_url() -> Iterator[str]:
    """A throw-away articles database, its schema made by `govnews db upgrade` as airflow-init does."""
    with throwaway_database("govnews_api", migrated=False) as url:
        subprocess.run([str(Path(sys.executable).with_name("govnews")), "db", "upgrade"], check=True, cwd=ROOT,
                       env={**os.environ, "GOVNEWS_DATABASE_URL": url}, capture_output=True, timeout=120)
        yield url


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, articles_url: str) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("airflow-home")
    log = home / "standalone.log"
    port = _free_port()
    password = secrets.token_urlsafe(12)
    connection = make_url(articles_url).set(drivername="postgresql").render_as_string(hide_password=False)
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW_API_PORT": str(port),
        "AIRFLOW_ADMIN_PASSWORD": password,
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW_CONN_GOVNEWS_DB": connection,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("GOVNEWS_DATABASE_URL", None)  # the connection is the only way to the articles
    with log.open("wb") as out:
        process = subprocess.Popen([str(ROOT / "scripts" / "airflow-local")], cwd=home, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"scripts/airflow-local exited with {process.returncode}:\n{_log_tail(log)}")
            try:
                with urllib.request.urlopen(f"{url}/api/v2/version", timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the api-server did not answer within {START_TIMEOUT} s:\n{_log_tail(log)}")
            time.sleep(2)
        yield Server(url, password, home, articles_url, log)
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """Stop standalone and every component it started (they share its process group)."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                process.wait()
                return
            process.poll()
            time.sleep(0.5)


def _dag_ids_in_folder() -> set[str]:
    """dag_id = file name, for every file in dags/ that declares a DAG."""
    return {path.stem for path in (ROOT / "dags").glob("*.py") if "@dag" in path.read_text()}


def test_the_dags_appear_without_import_errors(server: Server) -> None:
    api = server.api()
    expected = _dag_ids_in_folder()
    deadline = time.monotonic() + 120
    while True:
        errors = trigger_via_api.import_errors(api)
        assert not errors, "dags/ has import errors in the dag-processor:\n" + "\n".join(errors)
        listed = {dag["dag_id"] for dag in api.call("GET", "/api/v2/dags?limit=100")["dags"]}
        if expected <= listed or time.monotonic() > deadline:
            break
        time.sleep(3)
    assert expected <= listed, f"DAGs missing from the UI after 120 s: {sorted(expected - listed)}"


def test_a_bad_parameter_is_rejected_before_a_run_starts(server: Server) -> None:
    result = subprocess.run(
        [PYTHON, str(ROOT / "scripts" / "trigger_via_api.py"), DAG_ID, "--url", server.url,
         "--password", server.password, "--conf", json.dumps({"sites": ["no-such-site"]})],
        capture_output=True, text=True, timeout=200,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "no-such-site" in result.stderr, result.stderr


def test_a_run_triggered_through_the_rest_api_succeeds(server: Server) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [PYTHON, str(ROOT / "scripts" / "trigger_via_api.py"), DAG_ID, "--url", server.url,
         "--password-file", str(server.home / "simple_auth_manager_passwords.json.generated"),
         "--conf", json.dumps(CONF), "--timeout", "600"],
        capture_output=True, text=True, timeout=700,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{output}\n--- standalone log ---\n{_log_tail(server.log)}"
    assert f"{DAG_ID} run" in output and ": success" in output
    engine = create_engine(server.articles_url)
    with engine.connect() as connection:
        articles = connection.execute(text("SELECT count(*) FROM articles")).scalar_one()
    engine.dispose()
    assert articles > 0, f"the run succeeded but wrote no articles ({time.monotonic() - started:.0f} s)\n{output}"
