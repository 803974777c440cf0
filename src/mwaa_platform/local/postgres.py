"""A PostgreSQL 15 cluster on 127.0.0.1 for the embedded default (local MWAA metadata DBs, tests).

initdb refuses to run as root, so as root the cluster is owned and run by an unprivileged user
(``nobody`` unless ``MWAA_PLATFORM_PG_USER`` says otherwise). It listens on TCP 127.0.0.1 only, with no
Unix socket, and trusts loopback connections: a local development database, never a deployment.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mwaa_platform.local import ports

SUPERUSER = "postgres"


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise FileNotFoundError(
        f"{name} not found: install the PostgreSQL 15 server binaries (Debian: apt-get install postgresql-15)"
    )


def _run_as() -> list[str]:
    if os.geteuid() != 0:
        return []
    user = os.environ.get("MWAA_PLATFORM_PG_USER", "nobody")
    return ["runuser", "-u", user, "--"]


def _owner() -> tuple[int, int] | None:
    if os.geteuid() != 0:
        return None
    entry = pwd.getpwnam(os.environ.get("MWAA_PLATFORM_PG_USER", "nobody"))
    return entry.pw_uid, entry.pw_gid


@dataclass
class Cluster:
    root: Path
    port: int

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = "postgres", driver: str = "postgresql") -> str:
        return f"{driver}://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname={database}"

    # lifecycle -----------------------------------------------------------------------------------
    def init(self) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        owner = _owner()
        if owner:
            os.chown(self.root, *owner)
        subprocess.run(
            [*_run_as(), _pg_bin("initdb"), "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust",
             "--encoding=UTF8", "--locale=C.UTF-8", "-N"],
            check=True, capture_output=True, text=True,
        )
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# mwaa-platform embedded default\n"
                "listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"
                "max_connections = 200\nshared_buffers = 128MB\nfsync = off\nsynchronous_commit = off\n"
                "full_page_writes = off\nmax_wal_size = 1GB\n"
            )

    def running(self) -> bool:
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return False
        try:
            pid = int(pid_file.read_text().splitlines()[0])
            os.kill(pid, 0)
        except (OSError, ValueError, IndexError):
            return False
        return ports.is_listening(self.port)

    def start(self) -> None:
        self.init()
        if self.running():
            return
        ports.ensure_free(self.port, "PostgreSQL", "MWAA_PLATFORM_PG_PORT")
        owner = _owner()
        if owner and not self.log_file.exists():
            self.log_file.touch()
            os.chown(self.log_file, *owner)
        subprocess.run(
            [*_run_as(), _pg_bin("pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file),
             "-o", f"-p {self.port}", "-w", "-t", "60", "start"],
            check=True, capture_output=True, text=True,
        )

    def stop(self) -> None:
        if not (self.data_dir / "postmaster.pid").exists():
            return
        with contextlib.suppress(subprocess.CalledProcessError):
            subprocess.run(
                [*_run_as(), _pg_bin("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"],
                check=True, capture_output=True, text=True,
            )

    # databases -----------------------------------------------------------------------------------
    def psql(self, sql: str, database: str = "postgres") -> str:
        out = subprocess.run(
            ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", self.dsn(database), "-c", sql],
            check=True, capture_output=True, text=True,
        )
        return out.stdout

    def create_database(self, name: str, template: str | None = None) -> None:
        _check_identifier(name)
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip()
        if not exists:
            tmpl = f' TEMPLATE "{_check_identifier(template)}"' if template else ""
            self.psql(f'CREATE DATABASE "{name}"{tmpl}')

    def drop_database(self, name: str) -> None:
        _check_identifier(name)
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _check_identifier(name: str) -> str:
    if not name or not all(c.isalnum() or c in "_-" for c in name) or len(name) > 63:
        raise ValueError(f"invalid database name {name!r}: use letters, digits, '_' or '-' (max 63)")
    return name


def default_cluster() -> Cluster:
    from mwaa_platform.local.state import state_dir

    port = int(os.environ.get("MWAA_PLATFORM_PG_PORT", "55432"))
    return Cluster(state_dir() / "pg", port)
