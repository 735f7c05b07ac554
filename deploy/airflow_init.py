"""Checks and writes for airflow-init that need Airflow's configuration (one import, not one CLI
call per value): the SimpleAuthManager password file and the Celery broker.

Run after ``airflow db migrate``; exits non-zero with a message saying what to set.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import urllib.parse
from pathlib import Path

from airflow.configuration import conf

SIMPLE_AUTH_MANAGER = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"


def write_passwords(password: str) -> str:
    """Give every SimpleAuthManager user the one password; the api-server reads the file at login."""
    from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager

    users = [user.username for user in SimpleAuthManager.get_users()]
    path = Path(SimpleAuthManager.get_generated_password_file())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(dict.fromkeys(users, password)) + "\n")
    tmp.chmod(0o600)
    tmp.replace(path)
    return f"UI users {', '.join(users)} log in with AIRFLOW_ADMIN_PASSWORD (stored in {path})"


def check_broker(broker_url: str) -> str:
    url = urllib.parse.urlsplit(broker_url)
    try:
        socket.create_connection((url.hostname, url.port or 6379), timeout=10).close()
    except OSError as error:
        raise SystemExit(
            f"airflow-init: CeleryExecutor is set but its broker {url.hostname}:{url.port} does not "
            f"answer ({error}); start the celery profile too: COMPOSE_PROFILES=celery in .env, "
            "or docker compose --profile celery up"
        ) from None
    return f"broker {url.hostname}:{url.port or 6379} reachable"


def main() -> int:
    if conf.get("core", "auth_manager") == SIMPLE_AUTH_MANAGER and not conf.getboolean(
        "core", "simple_auth_manager_all_admins"
    ):
        password = os.environ.get("AIRFLOW_ADMIN_PASSWORD")
        if not password:
            raise SystemExit("airflow-init: set AIRFLOW_ADMIN_PASSWORD (see .env.example): it is the UI login")
        print(f"airflow-init: {write_passwords(password)}")
    executor = conf.get("core", "executor")
    message = f"executor {executor}"
    if "CeleryExecutor" in executor:
        message += ", " + check_broker(conf.get("celery", "broker_url"))
    print(f"airflow-init: {message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
