"""A PostgreSQL 15 cluster on 127.0.0.1 for the embedded default (local MWAA metadata DBs, tests).

initdb refuses to run as root, so as root the cluster is owned and run by an unprivileged user
(``nobody`` unless ``MWAA_PLATFORM_PG_USER`` says otherwise). It listens on TCP 127.0.0.1 only, with no
Unix socket, and trusts loopback connections: a local development database, never a deployment.

That user must reach the data directory. When it cannot reach the cluster's root (a clone under root's 0700
home, a umask of 077), the data directory and server log move to a private directory (0700, owned by that user,
made by ``mkdtemp`` so nobody can plant it) under ``/var/tmp`` (or ``MWAA_PLATFORM_PG_BASE``), and its path is
recorded in ``<root>/location``: start, stop and status find it there, ``remove`` deletes it.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mwaa_local import ports

SUPERUSER = "postgres"
LOCATION_FILE = "location"  # in the cluster's root: where a relocated data directory lives
ROOT_FILE = "root"  # in a relocated directory: the cluster root that records it (to find orphans)
RELOCATED_PREFIX = "mwaa-platform-pg-"


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise FileNotFoundError(
        f"{name} not found: install the PostgreSQL 15 server binaries (Debian: apt-get install postgresql-15)"
    )


def _pg_user() -> str:
    return os.environ.get("MWAA_PLATFORM_PG_USER", "nobody")


def _run_as() -> list[str]:
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", _pg_user(), "--"]


def _owner() -> tuple[int, int] | None:
    if os.geteuid() != 0:
        return None
    entry = pwd.getpwnam(_pg_user())
    return entry.pw_uid, entry.pw_gid


def _owner_can_use(path: Path) -> bool:
    """Can the cluster owner create its data directory in ``path``? The kernel answers (modes, ACLs, mounts)."""
    check = subprocess.run([*_run_as(), "test", "-w", str(path), "-a", "-x", str(path)],
                           capture_output=True, check=False)
    return check.returncode == 0


def _private_to(path: Path, uid: int) -> bool:
    """A real directory (not a link) owned by ``uid`` that no one else may write to."""
    try:
        info = path.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == uid and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _remove_orphans(base: Path, uid: int) -> None:
    """Delete relocated directories whose cluster root no longer records them (its state dir was deleted).

    Only directories we made (the prefix, owned by the cluster owner, naming their root) with no live postmaster.
    """
    for home in base.glob(f"{RELOCATED_PREFIX}*"):
        try:
            root = Path((home / ROOT_FILE).read_text().strip())
        except OSError:
            continue
        if not _private_to(home, uid) or not root.is_absolute():
            continue
        with contextlib.suppress(OSError):
            if Path((root / LOCATION_FILE).read_text().strip()) == home:
                continue
        if Cluster.running_in(home):
            continue
        shutil.rmtree(home, ignore_errors=True)


def relocation_base() -> Path:
    """World-traversable base for relocated clusters: ``MWAA_PLATFORM_PG_BASE``, else /var/tmp (survives reboots)."""
    configured = os.environ.get("MWAA_PLATFORM_PG_BASE")
    if configured:
        return Path(configured)
    return Path("/var/tmp") if Path("/var/tmp").is_dir() else Path(tempfile.gettempdir())  # noqa: S108


def _run(cmd: list[str], what: str) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd="/")  # the owner may not reach ours
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {done.returncode}): {' '.join(cmd)}\n{done.stderr or done.stdout}")


@dataclass
class Cluster:
    root: Path
    port: int

    @property
    def home(self) -> Path:
        """Where the data directory and the server log live: ``root``, or the relocated directory it records."""
        try:
            recorded = (self.root / LOCATION_FILE).read_text().strip()
        except FileNotFoundError:
            return self.root
        return Path(recorded) if recorded else self.root

    @property
    def relocated(self) -> bool:
        return self.home != self.root

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def log_file(self) -> Path:
        return self.home / "server.log"

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
            self._prepare_home(*owner)
        _run([*_run_as(), _pg_bin("initdb"), "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust",
              "--encoding=UTF8", "--locale=C.UTF-8", "-N"], "initdb")
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# mwaa-platform embedded default\n"
                "listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"
                "max_connections = 200\nshared_buffers = 128MB\nfsync = off\nsynchronous_commit = off\n"
                "full_page_writes = off\nmax_wal_size = 1GB\n"
            )

    def _prepare_home(self, uid: int, gid: int) -> None:
        """As root: a home the unprivileged owner can use, relocated when it cannot reach ``root``."""
        location = self.root / LOCATION_FILE
        if location.exists():
            if _private_to(self.home, uid):
                return
            location.unlink()  # the recorded directory vanished (tmp cleaned) or is not ours: start afresh
        os.chown(self.root, uid, gid)
        if _owner_can_use(self.root):
            return
        base = relocation_base()
        _remove_orphans(base, uid)
        home = Path(tempfile.mkdtemp(prefix=RELOCATED_PREFIX, dir=base))
        os.chown(home, uid, gid)
        location.write_text(f"{home}\n")
        (home / ROOT_FILE).write_text(f"{self.root}\n")  # last: a sweep never sees a root that does not record it yet

    def running(self) -> bool:
        return self.running_in(self.home) and ports.is_listening(self.port)

    @staticmethod
    def running_in(home: Path) -> bool:
        """Is a postmaster alive for the data directory in ``home``?"""
        try:
            pid = int((home / "data" / "postmaster.pid").read_text().splitlines()[0])
            os.kill(pid, 0)
        except (OSError, ValueError, IndexError):
            return False
        return True

    def start(self) -> None:
        self.init()
        if self.running():
            return
        ports.ensure_free(self.port, "PostgreSQL", "MWAA_PLATFORM_PG_PORT")
        owner = _owner()
        if owner and not self.log_file.exists():
            self.log_file.touch()
            os.chown(self.log_file, *owner)
        _run([*_run_as(), _pg_bin("pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file),
              "-o", f"-p {self.port}", "-w", "-t", "60", "start"], f"PostgreSQL start (log: {self.log_file})")

    def stop(self) -> None:
        if not (self.data_dir / "postmaster.pid").exists():
            return
        with contextlib.suppress(subprocess.CalledProcessError):
            subprocess.run(
                [*_run_as(), _pg_bin("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"],
                check=True, capture_output=True, text=True, cwd="/",
            )

    def remove(self) -> None:
        """Stop the cluster and delete its files, a relocated home included."""
        self.stop()
        home = self.home
        if self.relocated and home.name.startswith(RELOCATED_PREFIX):  # only a directory we made
            shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(self.root, ignore_errors=True)

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
    from mwaa_platform.paths import state_dir

    port = int(os.environ.get("MWAA_PLATFORM_PG_PORT", "55432"))
    return Cluster(state_dir() / "pg", port)
