#!/usr/bin/env python3
"""Trigger a DAG run through Airflow 3's REST API and wait for its outcome.

    scripts/trigger_via_api.py govnews_replay --conf '{"sites": ["fixture-songjiang"]}'

Logs in with SimpleAuthManager's ``POST /auth/token``, waits until the DAG is parsed (reporting
import errors if it never appears), unpauses it, creates a run with ``POST
/api/v2/dags/{dag_id}/dagRuns`` and polls it. Exit status: 0 the run succeeded, 1 it failed,
2 the run could not be started (login, missing DAG, rejected conf), 3 timed out.
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

FINISHED = {"success", "failed"}


class ApiError(Exception):
    def __init__(self, status: int, method: str, url: str, body: str) -> None:
        super().__init__(f"{method} {url} answered {status}: {body[:2000]}")
        self.status = status


class Airflow:
    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token

    def call(self, method: str, path: str, body: object | None = None) -> dict:
        url = self.base_url + path
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise ApiError(error.code, method, url, error.read().decode(errors="replace")) from None

    def login(self, username: str, password: str) -> None:
        self.token = self.call("POST", "/auth/token", {"username": username, "password": password})[
            "access_token"
        ]


def password_from(args: argparse.Namespace) -> str:
    if args.password_file:
        passwords = json.loads(Path(args.password_file).read_text())
        if args.username not in passwords:
            raise SystemExit(f"no password for {args.username!r} in {args.password_file}")
        return passwords[args.username]
    if args.password:
        return args.password
    raise SystemExit(
        "give the password: --password-file AIRFLOW_HOME/simple_auth_manager_passwords.json.generated, "
        "--password, or AIRFLOW_ADMIN_PASSWORD in the environment"
    )


def import_errors(api: Airflow) -> list[str]:
    errors = api.call("GET", "/api/v2/importErrors?limit=100")["import_errors"]
    return [f"{e['filename']}:\n{e['stack_trace']}" for e in errors]


def wait_for_dag(api: Airflow, dag_id: str, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return api.call("GET", f"/api/v2/dags/{urllib.parse.quote(dag_id)}")
        except ApiError as error:
            if error.status != 404:
                raise
        if time.monotonic() > deadline:
            problems = import_errors(api)
            detail = "\n".join(problems) if problems else "no import errors are reported either"
            raise SystemExit(f"DAG {dag_id!r} did not appear within {seconds:.0f} s; {detail}")
        time.sleep(2)


def trigger(api: Airflow, dag_id: str, conf: dict, note: str | None) -> str:
    body = {"logical_date": None, "conf": conf, "note": note}
    run = api.call("POST", f"/api/v2/dags/{urllib.parse.quote(dag_id)}/dagRuns", body)
    return run["dag_run_id"]


def wait_for_run(api: Airflow, dag_id: str, run_id: str, seconds: float, poll: float) -> str:
    path = f"/api/v2/dags/{urllib.parse.quote(dag_id)}/dagRuns/{urllib.parse.quote(run_id)}"
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        state = api.call("GET", path)["state"]
        if state != last:
            print(f"{dag_id} {run_id}: {state}", flush=True)
            last = state
        if state in FINISHED:
            return state
        time.sleep(poll)
    return "timeout"


def task_states(api: Airflow, dag_id: str, run_id: str) -> list[str]:
    path = f"/api/v2/dags/{urllib.parse.quote(dag_id)}/dagRuns/{urllib.parse.quote(run_id)}/taskInstances"
    instances = api.call("GET", path + "?limit=1000")["task_instances"]
    lines = []
    for ti in instances:
        index = ti.get("map_index", -1)
        name = ti["task_id"] if index < 0 else f"{ti['task_id']}[{index}]"
        lines.append(f"  {name}: {ti['state']} (try {ti.get('try_number')})")
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dag_id")
    parser.add_argument("--conf", default="{}", help="the run's parameters, a JSON object")
    parser.add_argument("--url", default=os.environ.get("AIRFLOW_API_URL", "http://127.0.0.1:8080"),
                        help="the api-server (default $AIRFLOW_API_URL or http://127.0.0.1:8080)")
    parser.add_argument("--username", default=os.environ.get("AIRFLOW_ADMIN_USERNAME", "admin"))
    parser.add_argument("--password", default=os.environ.get("AIRFLOW_ADMIN_PASSWORD"),
                        help="default $AIRFLOW_ADMIN_PASSWORD")
    parser.add_argument("--password-file", help="SimpleAuthManager's generated password file (JSON)")
    parser.add_argument("--note", help="a note shown on the run in the UI")
    parser.add_argument("--dag-wait", type=float, default=120, help="seconds to wait for the DAG to be parsed")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for the run")
    parser.add_argument("--poll", type=float, default=2.0)
    parser.add_argument("--keep-paused", action="store_true", help="fail instead of unpausing the DAG")
    args = parser.parse_args(argv)
    try:
        args.conf = json.loads(args.conf)
    except json.JSONDecodeError as error:
        parser.error(f"--conf is not JSON: {error}")
    if not isinstance(args.conf, dict):
        parser.error("--conf must be a JSON object")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    api = Airflow(args.url)
    try:
        api.login(args.username, password_from(args))
        dag = wait_for_dag(api, args.dag_id, args.dag_wait)
        if dag["is_paused"]:
            if args.keep_paused:
                raise SystemExit(f"DAG {args.dag_id!r} is paused; unpause it in the UI or drop --keep-paused")
            api.call("PATCH", f"/api/v2/dags/{urllib.parse.quote(args.dag_id)}", {"is_paused": False})
            print(f"unpaused {args.dag_id}")
        run_id = trigger(api, args.dag_id, args.conf, args.note)
        print(f"triggered {args.dag_id} run {run_id} with conf {json.dumps(args.conf, ensure_ascii=False)}")
        state = wait_for_run(api, args.dag_id, run_id, args.timeout, args.poll)
        print("\n".join(task_states(api, args.dag_id, run_id)))
    except ApiError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except urllib.error.URLError as error:
        print(f"error: cannot reach the api-server at {args.url}: {error.reason}", file=sys.stderr)
        return 2
    except SystemExit as error:
        if isinstance(error.code, str):
            print(f"error: {error.code}", file=sys.stderr)
            return 2
        raise
    if state == "timeout":
        print(f"{args.dag_id} run {run_id} did not finish within {args.timeout:.0f} s", file=sys.stderr)
        return 3
    print(f"{args.dag_id} run {run_id}: {state}; see {args.url.rstrip('/')}/dags/{args.dag_id}/runs/{run_id}")
    return 0 if state == "success" else 1


if __name__ == "__main__":
    sys.exit(main())
