"""Cross-version restore (Airflow 2.10.3 snapshot -> 3.2.1 environment) against a same-version restore
(2.10.3 -> 2.10.3) of the same peer-bench ``scale`` data, measured side by side in one run.

    .venv/bin/python bench/metadata/cross_version.py [--target 3.2.1] [--repeat 1] [--gen-args "..."]

Self-contained: its own PostgreSQL 15 cluster and local AWS emulator on free loopback ports (stopped at
the end), the kit's generator (``$PEER_BENCH_KIT/py/gen_data.py``, read-only, default ``scale`` sizes) run
with the 2.10.3 runtime, one snapshot taken by our engine, then per repeat: restore into a freshly migrated
2.10.3 database and into a freshly migrated target-version database (the dst databases are migrated before
the clock starts, as in the kit). Prints a markdown table: wall seconds of both restores, the ratio, the
cross-version steps (schema build, load into scratch, Airflow's migrations, final restore) and rows per
main table in source and both targets.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
import psycopg2

from mwaa_local import ports
from mwaa_local.emulator import Emulator
from mwaa_local.postgres import Cluster
from mwaa_platform import airflow_runtime
from mwaa_platform.metadata import objectstore
from mwaa_platform.metadata.backup import BackupOptions, backup
from mwaa_platform.metadata.restore import RestoreOptions, restore

KIT = Path(os.environ.get("PEER_BENCH_KIT", "/work/shared/peer-bench"))
FERNET_SRC = "ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg="
FERNET_DST = "Hv3k2HFFLhQ2yW5gKGSQ6x5V0oWnTz7hIGiZkNwX6xE="
COUNTED = ("dag_run", "task_instance", "xcom", "log", "job", "variable", "connection")


def airflow(runtime: airflow_runtime.AirflowRuntime, cluster: Cluster, db: str, args: list[str],
            home: Path, fernet: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "MWAA__"))}
    env.update({"AIRFLOW_HOME": str(home), "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN":
                cluster.url(db, driver="postgresql+psycopg2"), "AIRFLOW__CORE__FERNET_KEY": fernet,
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "PYTHONDONTWRITEBYTECODE": "1"})
    proc = subprocess.run(args, env=env, cwd=home, check=False, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{args[:3]} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")


def fresh_db(cluster: Cluster, name: str, version: str, root: Path) -> None:
    runtime = airflow_runtime.ensure(version)
    home = root / version  # one AIRFLOW_HOME per version: each writes its own airflow.cfg
    home.mkdir(exist_ok=True)
    cluster.drop_database(name)
    cluster.create_database(name)
    airflow(runtime, cluster, name, [str(runtime.airflow), "db", "migrate"], home, FERNET_DST)


def counts(cluster: Cluster, db: str) -> dict[str, int]:
    conn = psycopg2.connect(cluster.dsn(db))
    out = {}
    with conn, conn.cursor() as cur:
        for table in COUNTED:
            cur.execute(f'SELECT count(*) FROM "{table}"')
            out[table] = int(cur.fetchone()[0])
    conn.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", default="2.10.3")
    ap.add_argument("--target", default="3.2.1")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--gen-args", default="", help="gen_data.py arguments (default: the kit's scale sizes)")
    opts = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="mp-bench-xv-"))
    if os.geteuid() == 0:
        os.chmod(base, 0o711)  # noqa: S103 the unprivileged cluster owner only needs to traverse
    cluster = Cluster(base / "pg", ports.free_port())
    emulator = Emulator(port=ports.free_port(), root=base / "emulator")
    home = base / "airflow_home"
    home.mkdir()
    results: list[dict[str, Any]] = []
    try:
        cluster.start()
        emulator.start()
        os.environ.update(emulator.env("us-east-1"))
        src_rt = airflow_runtime.ensure(opts.source)
        fresh_db(cluster, "src", opts.source, home)
        t0 = time.monotonic()
        airflow(src_rt, cluster, "src", [str(src_rt.python), str(KIT / "py" / "gen_data.py"),
                                         *opts.gen_args.split()], home / opts.source, FERNET_SRC)
        print(f"generated in {time.monotonic() - t0:.1f}s: {counts(cluster, 'src')}", flush=True)
        key = boto3.client("kms").create_key(Description="bench")["KeyMetadata"]["Arn"]
        boto3.client("s3").create_bucket(Bucket="bench-xv")
        loc = objectstore.Location("bench-xv", "primary")
        manifest = backup(cluster.url("src"), FERNET_SRC, BackupOptions(location=loc, kms_key_id=key,
                                                                         airflow_version=opts.source))
        print(f"snapshot {manifest.snapshot_id}: {manifest.total_rows} rows", flush=True)
        target_rt = airflow_runtime.ensure(opts.target)
        for i in range(opts.repeat):
            run: dict[str, Any] = {}
            pairs = (("same", opts.source), ("cross", opts.target))
            for label, version in pairs:  # both targets migrated before either clock starts
                fresh_db(cluster, f"dst_{label}_{i}", version, home)
            for label, version in pairs if i % 2 == 0 else pairs[::-1]:  # alternate the order per repeat
                db = f"dst_{label}_{i}"
                t0 = time.monotonic()
                report = restore(cluster.url(db), FERNET_DST, RestoreOptions(
                    location=loc, snapshot_id=manifest.snapshot_id, airflow_python=str(target_rt.python)),
                    progress=lambda line: print("   ", line, flush=True))
                run[label] = {"seconds": round(time.monotonic() - t0, 2), "migration": report.migration,
                              "counts": counts(cluster, db), "committed": report.committed}
                print(f"run {i + 1} {label} ({opts.source} -> {version}): {run[label]['seconds']}s", flush=True)
                cluster.drop_database(db)
            results.append(run)
        src_counts = counts(cluster, "src")
    finally:
        emulator.stop()
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
    print(f"\n| run | same-version {opts.source}->{opts.source} s | cross-version {opts.source}->{opts.target} s "
          "| ratio | schema s | load into scratch s | Airflow migrations s (steps) "
          "| rest: probe, row counts, final restore s |")
    print("|---|---|---|---|---|---|---|---|")
    for i, run in enumerate(results, 1):
        m = run["cross"]["migration"] or {}
        final = run["cross"]["seconds"] - m.get("schema_seconds", 0) - m.get("load_seconds", 0) \
            - m.get("migrate_seconds", 0)
        print(f"| {i} | {run['same']['seconds']:.2f} | {run['cross']['seconds']:.2f} | "
              f"{run['cross']['seconds'] / run['same']['seconds']:.2f} | {m.get('schema_seconds', 0):.1f} | "
              f"{m.get('load_seconds', 0):.1f} | {m.get('migrate_seconds', 0):.1f} ({m.get('migration_steps')}) | "
              f"{final:.1f} |")
    print("\n| table | source | same-version target | cross-version target |\n|---|---|---|---|")
    for table in COUNTED:
        print(f"| {table} | {src_counts[table]} | {results[-1]['same']['counts'][table]} | "
              f"{results[-1]['cross']['counts'][table]} |")
    changed = [t for t in (results[-1]["cross"]["migration"] or {}).get("tables", [])
               if t["rows_before"] != t["rows_after"]]
    for t in changed:
        print(f"migration: {t['table']} -> {t['after']}: rows {t['rows_before']} -> {t['rows_after']}"
              f" {t.get('change', '')}")


if __name__ == "__main__":
    main()
