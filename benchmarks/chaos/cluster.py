"""A private PostgreSQL cluster in a temporary folder, on a free loopback port: the chaos scenarios
restart and starve it, so they never touch the shared server. Run as the ``postgres`` user when we
are root (initdb refuses root)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

from pipeline import store

PG_BIN = max(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), default=None)
SERVER_USER = "postgres"


@dataclass
class Cluster:
    folder: Path
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database}"

    def pg_ctl(self, *args: str) -> None:
        _as_server_user(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w",
                        *args)

    def start(self) -> None:
        self.pg_ctl("start")

    def stop(self) -> None:
        """A fast shutdown: open transactions are rolled back, their connections closed."""
        self.pg_ctl("stop", "-m", "fast")

    def restart(self, down_seconds: float = 0.0) -> None:
        """``pg_ctl restart -m fast``, or, with ``down_seconds``, a stop, that long down, and a start."""
        if not down_seconds:
            self.pg_ctl("restart", "-m", "fast")
            return
        self.stop()
        time.sleep(down_seconds)
        self.start()

    @contextmanager
    def database(self, prefix: str, tablespace: str | None = None) -> Iterator[str]:
        """A new migrated database in this cluster (in ``tablespace`` if given), dropped afterwards."""
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self.execute(f'CREATE DATABASE "{name}"' + (f' TABLESPACE "{tablespace}"' if tablespace else ""))
        engine = store.make_engine(self.url(name))
        store.migrate(engine)
        engine.dispose()
        try:
            yield self.url(name)
        finally:
            self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def execute(self, statement: str) -> None:
        """One statement on the maintenance database, over a connection of its own (the server may
        have restarted since the last one)."""
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(statement))
        admin.dispose()


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    """A fresh cluster (trust authentication, loopback only, no fsync: it is thrown away), stopped
    and deleted afterwards."""
    if PG_BIN is None:
        raise RuntimeError("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin; install postgresql")
    folder = Path(tempfile.mkdtemp(prefix="govnews-pg-"))
    _give_to_server_user(folder)
    cluster = Cluster(folder, _free_port())
    _as_server_user(str(PG_BIN / "initdb"), "-D", str(cluster.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--locale=C.UTF-8")
    options = {"port": cluster.port, "listen_addresses": "'127.0.0.1'", "unix_socket_directories": f"'{folder}'",
               "fsync": "off", "max_connections": 60}
    with (cluster.data / "postgresql.conf").open("a") as conf:
        conf.writelines(f"{key} = {value}\n" for key, value in options.items())
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(folder, ignore_errors=True)


def _as_server_user(*command: str) -> None:
    prefix = ["runuser", "-u", SERVER_USER, "--"] if os.geteuid() == 0 else []
    done = subprocess.run([*prefix, *command], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def _give_to_server_user(folder: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(folder, SERVER_USER, SERVER_USER)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def small_tablespace(cluster: Cluster, megabytes: int) -> Iterator[tuple[str, Path]]:
    """A tablespace on a tmpfs of ``megabytes``: a database placed in it runs out of disk. Yields its
    name and mount point (``grow`` gives the space back). Needs root, to mount."""
    mount = cluster.folder / "small"
    mount.mkdir()
    server_user = pwd.getpwnam(SERVER_USER)
    uid, gid = server_user.pw_uid, server_user.pw_gid
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,uid={uid},gid={gid},mode=0700", "tmpfs",
                    str(mount)], check=True, capture_output=True)
    name = f"small_{uuid.uuid4().hex[:6]}"
    try:
        cluster.execute(f"CREATE TABLESPACE {name} LOCATION '{mount}'")
        yield name, mount
    finally:
        cluster.execute(f"DROP TABLESPACE IF EXISTS {name}")
        subprocess.run(["umount", "-l", str(mount)], check=False, capture_output=True)


def grow(mount: Path, megabytes: int) -> None:
    """Give the tmpfs more space (the disk is no longer full)."""
    subprocess.run(["mount", "-o", f"remount,size={megabytes}m", str(mount)], check=True, capture_output=True)
