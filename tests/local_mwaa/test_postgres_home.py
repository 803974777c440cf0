"""Where the embedded PostgreSQL keeps its data when its unprivileged owner cannot reach the repository.

As root the cluster runs as ``nobody``; a clone under root's 0700 home (``d=$(mktemp -d); git clone ... $d/main``)
used to fail at initdb. The cluster now moves its data to a private directory under a world-traversable base and
records it, so a second ``Cluster`` object (what ``make down`` or the next ``make up`` builds) finds it.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from mwaa_local import ports
from mwaa_local.postgres import LOCATION_FILE, Cluster, _owner

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the unprivileged owner exists only when we are root")


@pytest.fixture
def dirs(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    """(a root-only 0700 directory like root's home or mktemp -d, a world-traversable relocation base)."""
    locked = Path(tempfile.mkdtemp(prefix="mwaa-platform-locked-"))
    base = Path(tempfile.mkdtemp(prefix="mwaa-platform-pgbase-"))
    os.chmod(locked, 0o700)
    os.chmod(base, 0o711)  # noqa: S103 like /var/tmp for this purpose: traversable by the cluster owner
    monkeypatch.setenv("MWAA_PLATFORM_PG_BASE", str(base))
    try:
        yield locked, base
    finally:
        shutil.rmtree(locked, ignore_errors=True)
        shutil.rmtree(base, ignore_errors=True)


def test_a_cluster_under_a_locked_parent_relocates_and_is_found_again(dirs: tuple[Path, Path]) -> None:
    locked, base = dirs
    root = locked / "main" / ".state" / "pg"
    port = ports.free_port()
    cluster = Cluster(root, port)
    try:
        cluster.start()
        assert cluster.relocated and cluster.home.parent == base
        info, owner = cluster.home.stat(), _owner()
        assert owner is not None and (info.st_uid, stat.S_IMODE(info.st_mode)) == (owner[0], 0o700)
        assert cluster.psql("SELECT 1").strip() == "1"

        again = Cluster(root, port)  # what `make down` builds from the state dir alone
        assert again.running() and again.data_dir == cluster.data_dir
        again.stop()
        assert not cluster.running()

        cluster.start()  # the next `make up`: the same data directory, no second one
        assert [p.name for p in base.iterdir()] == [cluster.home.name]
        cluster.stop()

        shutil.rmtree(cluster.home)  # a tmp cleaner removed it: a fresh directory, recorded anew
        cluster.start()
        assert cluster.relocated and cluster.running() and len(list(base.iterdir())) == 1
    finally:
        cluster.remove()
    assert not root.exists() and list(base.iterdir()) == []


def test_a_reachable_root_keeps_its_data_in_place(dirs: tuple[Path, Path]) -> None:
    locked, base = dirs
    os.chmod(locked, 0o711)  # noqa: S103 traversable, as /work/main's parents are
    cluster = Cluster(locked / "pg", ports.free_port())
    try:
        cluster.start()
        assert not cluster.relocated and not (cluster.root / LOCATION_FILE).exists()
        assert cluster.data_dir == locked / "pg" / "data" and cluster.running()
    finally:
        cluster.remove()
    assert list(base.iterdir()) == []


def test_a_recorded_directory_that_is_not_the_owners_is_not_used(dirs: tuple[Path, Path]) -> None:
    locked, base = dirs
    root = locked / "pg"
    root.mkdir()
    planted = base / "mwaa-platform-pg-planted"
    planted.mkdir(mode=0o777)
    os.chmod(planted, 0o777)  # noqa: S103 someone else's world-writable directory
    (root / LOCATION_FILE).write_text(f"{planted}\n")
    cluster = Cluster(root, ports.free_port())
    try:
        cluster.start()
        assert cluster.relocated and cluster.home != planted and cluster.running()
        assert not (planted / "data").exists()
    finally:
        cluster.remove()
        shutil.rmtree(planted, ignore_errors=True)


def test_relocated_directories_whose_state_dir_is_gone_are_removed(dirs: tuple[Path, Path]) -> None:
    locked, base = dirs
    first = Cluster(locked / "first" / "pg", ports.free_port())
    kept = Cluster(locked / "kept" / "pg", ports.free_port())
    try:
        first.start()
        kept.start()
        kept.stop()  # stopped but still recorded: kept
        first.stop()
        orphan = first.home
        shutil.rmtree(locked / "first")  # e.g. a test's tmp state dir, or `rm -rf .state`
        foreign = base / "mwaa-platform-pg-foreign"
        foreign.mkdir()  # not naming a root: not ours to judge

        again = Cluster(locked / "again" / "pg", ports.free_port())
        again.start()

        assert not orphan.exists() and kept.home.exists() and foreign.exists()
        assert sorted(p.name for p in base.iterdir()) == sorted([kept.home.name, again.home.name, foreign.name])
        again.remove()
    finally:
        for cluster in (first, kept):
            cluster.remove()
