"""The archive inside the Airflow UI, used as a person would: a real Airflow api-server (which loads
the plugin through its entry point) in front of a throw-away articles database, driven by Chromium
through Playwright: log in, open the nav entry, follow a site to its articles, read a hostile
article (its markup shows as text, nothing runs), search with a Traditional query. Scripts without a
login are refused; a token from Airflow's /auth/token lets them in.

The screenshots go to $GOVNEWS_SCREENSHOTS (the README's come from `GOVNEWS_SCREENSHOTS=docs ./dev
test tests/test_archive_ui.py`), else to a temporary folder. About 30 s.
"""

from __future__ import annotations

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
from sqlalchemy.engine import make_url

from benchmarks.common import throwaway_database
from pipeline import store
from tests.archive_data import HOSTILE_TITLE, Archive, fill

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
START_TIMEOUT = 120


@dataclass(frozen=True)
class Server:
    url: str
    password: str
    archive: Archive


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("airflow-home")
    password = secrets.token_urlsafe(12)
    with throwaway_database("govnews_ui") as articles:
        archive = fill(store.session_factory(articles))
        env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
               "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"), "AIRFLOW_ADMIN_PASSWORD": password,
               "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
               "AIRFLOW_CONN_GOVNEWS_DB": make_url(articles).set(drivername="postgresql")
               .render_as_string(hide_password=False)}
        env.pop("GOVNEWS_DATABASE_URL", None)  # the connection is the archive's only way to the articles
        for command in ([str(BIN / "airflow"), "db", "migrate"],
                        [sys.executable, str(ROOT / "deploy" / "airflow_init.py")]):
            done = subprocess.run(command, env=env, cwd=home, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stdout + done.stderr
        for attempt in range(3):  # another process may take the free port before the server binds it
            port, log = _free_port(), home / f"api-server-{attempt}.log"
            with log.open("wb") as out:
                process = subprocess.Popen([str(BIN / "airflow"), "api-server", "--host", "127.0.0.1", "--port",
                                            str(port)], env=env, cwd=home, stdout=out, stderr=subprocess.STDOUT,
                                           start_new_session=True)
            url = f"http://127.0.0.1:{port}"
            try:
                if _wait_until_up(url, process, log):
                    yield Server(url, password, archive)
                    return
            finally:
                _stop(process)
        pytest.fail(f"airflow api-server found no free port three times:\n{log.read_text()[-4000:]}")


def _stop(process: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue
    process.poll()


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> bool:
    """True once the server answers; False when its port was taken; a failure otherwise."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            if "address already in use" in log.read_text():
                return False
            pytest.fail(f"airflow api-server exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/v2/version", timeout=5):
                return True
        except (urllib.error.URLError, OSError):
            time.sleep(1)
    pytest.fail(f"airflow api-server did not answer within {START_TIMEOUT} s:\n{log.read_text()[-4000:]}")


def _get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], str]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_the_archive_needs_an_airflow_login(server: Server) -> None:
    status, _, _ = _get(f"{server.url}/govnews/", {"Accept": "application/json"})
    assert status == 401, "the plugin's pages must not be readable without a login"
    status, headers, _ = _get(f"{server.url}/govnews/sites/fixture-songjiang", {"Accept": "text/html"})
    assert status == 303 and headers["location"].startswith("/auth/login?next="), headers
    status, _, _ = _get(f"{server.url}/govnews/", {"Authorization": "Bearer not-a-token"})
    assert status == 403
    request = urllib.request.Request(f"{server.url}/auth/token", method="POST",
                                     headers={"Content-Type": "application/json"},
                                     data=json.dumps({"username": "admin", "password": server.password}).encode())
    with urllib.request.urlopen(request, timeout=30) as response:
        token = json.loads(response.read())["access_token"]
    status, _, page = _get(f"{server.url}/govnews/", {"Authorization": f"Bearer {token}"})
    assert status == 200 and "fixture-songjiang" in page


def test_a_person_reads_and_searches_the_archive_in_the_airflow_ui(server: Server, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"no browser at {CHROMIUM}: install Debian's chromium (apt-get install chromium; .ci/run does)")
    shots = Path(os.environ.get("GOVNEWS_SCREENSHOTS") or tmp_path)
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 760})
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        # A bookmark of an archive page leads through Airflow's login and back to it.
        page.goto(f"{server.url}/govnews/sites/fixture-songjiang")
        page.locator("input[name=username]").fill("admin")
        page.locator("input[type=password]").fill(server.password)
        page.locator("button[type=submit]").click()
        page.wait_for_url(f"{server.url}/govnews/sites/fixture-songjiang")
        expect(page.locator("h1")).to_have_text("fixture-songjiang")

        # From Airflow's home page, the nav entry opens the archive inside the UI.
        page.goto(f"{server.url}/")
        page.get_by_role("link", name="News archive").click()
        archive = page.frame_locator("iframe[title='News archive']")
        expect(archive.locator("h1")).to_have_text("Sites")
        page.screenshot(path=shots / "archive-sites.png")

        archive.get_by_role("link", name="fixture-songjiang").click()
        expect(archive.locator("h1")).to_have_text("fixture-songjiang")
        archive.get_by_role("link", name=HOSTILE_TITLE).click()
        expect(archive.locator("h1")).to_have_text(HOSTILE_TITLE)  # the markup is the title's text
        expect(archive.locator("h1 script")).to_have_count(0)
        expect(archive.get_by_role("link", name="防汛预案.pdf")).to_have_attribute("href", "#")

        archive.get_by_role("link", name="Search").click()
        archive.get_by_label("search terms").fill("防汛工作會議")  # Traditional; the article is Simplified
        archive.get_by_label("search terms").press("Enter")
        hit = archive.locator(".hit").first
        expect(hit.locator("mark").first).to_have_text("防汛工作会议")
        expect(hit.get_by_role("link")).to_have_text(HOSTILE_TITLE)
        page.screenshot(path=shots / "archive-search.png")
        browser.close()
    assert dialogs == [], f"a crawled string ran as script: {dialogs}"
