"""The no-Docker UI path, for real: `scripts/airflow-local` starts `airflow standalone` on a free port
with a throw-away AIRFLOW_HOME and the project's dags/; `scripts/trigger_via_api.py` logs in through
the REST API, triggers `govnews_replay` with parameters and waits; the run succeeds and its articles
are in a throw-away PostgreSQL database reached through the Airflow connection `govnews_db`.
The script says it is ready only once the UI answers, and a SIGTERM stops every process it started.

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
    process: subprocess.Popen[bytes]
    answer_when_ready: int  # the UI's status the moment the script said it was ready

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
        while "airflow-local: ready" not in log.read_text(errors="replace"):
            if process.poll() is not None:
                pytest.fail(f"scripts/airflow-local exited with {process.returncode}:\n{_log_tail(log)}")
            if time.monotonic() > deadline:
                pytest.fail(f"scripts/airflow-local was not ready within {START_TIMEOUT} s:\n{_log_tail(log)}")
            time.sleep(1)
        yield Server(url, password, home, articles_url, log, process, _status(f"{url}/api/v2/version"))
    finally:
        _stop(process, home)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError):
        return 0


def processes_of(home: Path) -> set[int]:
    """Every process started with this AIRFLOW_HOME: the script, standalone, its components, tasks."""
    marker = f"AIRFLOW_HOME={home}".encode()
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker in (entry / "environ").read_bytes().split(b"\0"):
                found.add(int(entry.name))
        except OSError:
            pass  # gone meanwhile, or not ours to read
    return found


def _gone(home: Path, within: float) -> set[int]:
    """What is still running of ``home``'s processes after waiting up to ``within`` seconds."""
    deadline = time.monotonic() + within
    while (left := processes_of(home)) and time.monotonic() < deadline:
        time.sleep(1)
    return left


def _stop(process: subprocess.Popen, home: Path) -> None:
    """As a person stops it (SIGTERM); whatever outlives that is killed, so no test leaks a process."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            pass
    for pid in _gone(home, within=5):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()


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
    assert articles == 3, f"fixture-songjiang has 3 articles; the run wrote {articles} " \
        f"({time.monotonic() - started:.0f} s)\n{output}"


def test_ready_is_said_once_the_ui_answers(server: Server) -> None:
    assert server.answer_when_ready == 200, "the script said ready before the UI answered"
    assert "Airflow is ready" not in server.log.read_text(errors="replace"), \
        "standalone's own (early) ready line reached the output"


def test_sigterm_stops_every_component(server: Server) -> None:
    """Last in this module: it stops the server the tests above share."""
    running = processes_of(server.home)
    assert len(running) >= 6, f"expected the script, standalone and its four components: {running}"
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=90) == 143
    left = _gone(server.home, within=5)
    assert not left, f"still running after SIGTERM: {left}\n{_log_tail(server.log)}"
