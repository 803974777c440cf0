"""The DR drill's phases (:mod:`mwaa_local.dr_drill`), in the order it runs them: apply both regions, prepare and
reach the steady state, kill the primary's scheduler, watch the failover in the state table, verify the secondary,
and measure the timeline."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg2
from botocore.exceptions import ClientError

from mwaa_local.dr_drill_inflight import DAG_SOURCE as INFLIGHT_SOURCE
from mwaa_local.dr_drill_inflight import InFlight
from mwaa_local.dr_drill_report import target_rto
from mwaa_local.dr_drill_stack import (
    ACTIVE_IN_PRIMARY,
    BACKUP_INTERVAL_SECONDS,
    DR_NAME,
    ENV,
    ENVIRONMENT,
    INFLIGHT_DAG,
    PRIMARY,
    REPO,
    SECONDARY,
    WORKLOAD,
    WORKLOAD_DAG,
    WORKLOAD_RUNS,
    Stack,
    client,
    count_rows,
    environment_db,
    log,
    now,
    outputs,
    rest,
    stage_configuration,
    terraform,
    wait_for,
)
from mwaa_local.emulator import ACCOUNT_ID
from mwaa_local.replication import Replicator
from mwaa_platform.failover.config import FailoverConfig
from mwaa_platform.failover.state import StateStore, initial_document
from mwaa_platform.packaging import build


@dataclass
class Drill:
    stack: Stack
    out: Path
    timeout: float
    events: dict[str, datetime] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    full_outputs: bool = False                  # --demo --full-outputs: every root output, not only the summary
    in_flight: InFlight | None = None           # the runs in flight at the kill (mwaa_local.dr_drill_inflight)

    def mark(self, name: str, when: datetime | None = None) -> None:
        self.events[name] = when or now()
        log(f"-- {name}")

    def apply(self) -> None:
        package = subprocess.run([sys.executable, str(REPO / "scripts" / "package_lambdas.py"),
                                  str(REPO / "build" / "lambda")], capture_output=True, text=True, timeout=600,
                                 check=False)
        if package.returncode != 0:
            raise RuntimeError(f"packaging failed: {package.stderr[-2000:]}")
        build(REPO / "build" / "lambda" / "failover.zip", ["failover"])
        stage_configuration(self.out)
        for region in (PRIMARY, SECONDARY):
            started = time.monotonic()
            log(f"terraform apply platform in {region} ...")
            result = terraform(self.stack, "apply", region, self.out)
            if result.returncode != 0:
                raise RuntimeError(f"apply in {region} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
            self.facts[f"apply_{region}_seconds"] = round(time.monotonic() - started, 1)
        if self.stack.demo:
            self.show_what_was_created()
        self.facts["secondary_outputs"] = outputs(self.stack, SECONDARY, self.out)
        if not self.facts["secondary_outputs"].get("dr_failover_state_machine_arn"):
            raise RuntimeError("the secondary has no failover state machine: is build/lambda/failover.zip there?")
        self.mark("applied")

    def show_what_was_created(self) -> None:
        """`make demo`: each region re-plans clean; what exists (mwaa_platform.demo's summary)."""
        from mwaa_platform import demo

        lines = ["", "demo: what was created"]
        for region in (PRIMARY, SECONDARY):
            replan = terraform(self.stack, "plan", region, self.out, "-detailed-exitcode")
            if replan.returncode != 0:
                raise RuntimeError(f"re-plan of {region} is not clean (exit {replan.returncode}):\n"
                                   f"{replan.stdout[-3000:]}")
            raw = json.loads(terraform(self.stack, "output", region, self.out, "-json").stdout or "{}")
            lines.append(f"{region}: applied in {self.facts[f'apply_{region}_seconds']:.0f}s, re-plan clean")
            lines.extend(demo.summarize(region, raw, demo.write_outputs(region, raw)))
            if self.full_outputs:
                lines.append(demo.full_outputs(region, raw))
        print("\n".join([*lines, ""]), flush=True)

    @property
    def regions_with_environment(self) -> tuple[str, ...]:
        """warm_standby: both regions run the environment; backup_restore: the failover creates the secondary's."""
        return (PRIMARY, SECONDARY) if self.stack.strategy == "warm_standby" else (PRIMARY,)

    def prepare(self) -> None:
        for region in self.regions_with_environment:
            wait_for(f"{ENVIRONMENT} AVAILABLE in {region}", lambda r=region: client("mwaa", r).get_environment(
                Name=ENVIRONMENT)["Environment"]["Status"] == "AVAILABLE", timeout=900, every=5)
            env = client("mwaa", region).get_environment(Name=ENVIRONMENT)["Environment"]
            bucket = env["SourceBucketArn"].split(":::")[-1]
            for name, source in ((WORKLOAD_DAG, WORKLOAD), (INFLIGHT_DAG, INFLIGHT_SOURCE)):
                client("s3", region).put_object(Bucket=bucket, Key=f"{env['DagS3Path'].strip('/')}/{name}.py",
                                                Body=source.encode())
        for region in self.regions_with_environment:
            wait_for(f"DAGs parsed in {region}", lambda r=region: all(rest(r).dag(d) for d in (
                WORKLOAD_DAG, INFLIGHT_DAG, "dr_backup", "dr_restore")), timeout=600, every=5)
        primary = rest(PRIMARY)
        for dag_id in ACTIVE_IN_PRIMARY:
            primary.set_paused(dag_id, False)
        if SECONDARY in self.regions_with_environment:
            self.facts["secondary_active_before"] = [d["dag_id"] for d in rest(SECONDARY).dags(paused=False)]
        else:
            self.facts["secondary_environment_before"] = self.secondary_environment_status()
        self.mark("steady_state_started")

    @staticmethod
    def secondary_environment_status() -> str:
        try:
            return str(client("mwaa", SECONDARY).get_environment(Name=ENVIRONMENT)["Environment"]["Status"])
        except ClientError as exc:  # each client() has its own session, hence its own exception classes
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return "absent"
            raise

    def replicate_in_background(self, stop: threading.Event) -> threading.Thread:
        buckets = [f"{DR_NAME}-backup-{ACCOUNT_ID}-{PRIMARY}", f"{DR_NAME}-dags-{ACCOUNT_ID}-{PRIMARY}"]
        replicator = Replicator(state_file=self.stack.root / "replication-state.json")
        copied: list[str] = []
        self.facts["replicated_objects"] = copied
        thread = threading.Thread(target=replicator.watch, args=(3.0, stop, buckets, lambda r: copied.extend(
            r.copied)), name="replication-emulation", daemon=True)
        thread.start()
        return thread

    def snapshots(self, location: str) -> list[dict[str, Any]]:
        bucket, _, prefix = location[5:].partition("/")
        s3 = client("s3", SECONDARY)
        found = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/"):
            for obj in page.get("Contents", []):
                if obj["Key"].endswith("/manifest.json"):
                    doc = json.loads(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())
                    found.append(doc)
        return sorted(found, key=lambda d: d.get("created_at", ""))

    def steady(self) -> None:
        replica = f"s3://{DR_NAME}-backup-{ACCOUNT_ID}-{SECONDARY}/{ENV}"
        since = self.events["steady_state_started"].isoformat()
        wait_for(f"{WORKLOAD_RUNS} successful workload runs in the primary",
                 lambda: rest(PRIMARY).successful_runs_since(WORKLOAD_DAG, since) >= WORKLOAD_RUNS, timeout=900,
                 every=5)
        after = now().isoformat()
        wait_for("a replicated snapshot taken after them",
                 lambda: any(m.get("created_at", "") > after for m in self.snapshots(replica)), timeout=600, every=5)
        wait_for("a healthy evaluation (configuration stored)", self._config_stored, timeout=300, every=5)
        if self.stack.strategy == "backup_restore":  # the environment a failover creates reads the replica's DAGs
            wait_for("the DAGs replicated to the secondary", self._dags_replicated, timeout=300, every=5)
        self.mark("steady_state_reached")

    def _dags_replicated(self) -> bool:
        env = client("mwaa", PRIMARY).get_environment(Name=ENVIRONMENT)["Environment"]
        prefix = env["DagS3Path"].strip("/")
        s3 = client("s3", SECONDARY)
        for name in (f"{WORKLOAD_DAG}.py", f"{INFLIGHT_DAG}.py", "dr_restore.py", "dr_backup.py"):
            try:
                s3.head_object(Bucket=f"{DR_NAME}-dags-{ACCOUNT_ID}-{SECONDARY}", Key=f"{prefix}/{name}")
            except ClientError:  # not replicated yet (404)
                return False
        return True

    def _config_stored(self) -> bool:
        config = FailoverConfig.from_dict(self.facts["secondary_outputs"]["dr_failover_config"])
        with contextlib.suppress(Exception):
            client("s3", SECONDARY).head_object(Bucket=config.config_bucket, Key=config.stored_config_key)
            return True
        return False

    def diagnose(self) -> dict[str, Any]:
        """On failure: the last executions of the failover state machine and where they ended."""
        arn = (self.facts.get("secondary_outputs") or {}).get("dr_failover_state_machine_arn")
        if not arn:
            return {}
        sfn = client("stepfunctions", SECONDARY)
        found = []
        for execution in sfn.list_executions(stateMachineArn=arn, maxResults=10).get("executions", []):
            desc = sfn.describe_execution(executionArn=execution["executionArn"])
            events = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000,
                                               reverseOrder=True).get("events", [])
            entered = next((e["stateEnteredEventDetails"]["name"] for e in events
                            if "stateEnteredEventDetails" in e), None)
            found.append({"name": execution["name"], "status": desc["status"], "last_state": entered,
                          "error": desc.get("error"), "cause": (desc.get("cause") or "")[:500],
                          "output": (desc.get("output") or "")[:1500]})
        return {"executions": found}

    def start_in_flight(self) -> None:
        """Work in flight when the region dies: one run a snapshot carries, one it cannot."""
        replica = f"s3://{DR_NAME}-backup-{ACCOUNT_ID}-{SECONDARY}/{ENV}"
        self.in_flight = InFlight(self.stack, lambda after: any(
            m.get("created_at", "") > after for m in self.snapshots(replica)))
        self.in_flight.before_kill()
        self.mark("in_flight_started")

    def kill(self) -> None:
        """The region dies: the primary's scheduler, Celery workers, triggerer and DAG processor (SIGKILL)."""
        answer = self.stack.mwaa.admin("POST", f"environments/{ACCOUNT_ID}/{PRIMARY}/{ENVIRONMENT}/kill-region")
        killed = answer.json().get("killed") if answer.status_code < 400 else None
        if not killed or "scheduler" not in killed:
            raise RuntimeError(f"could not kill the primary scheduler: {answer.text}")
        self.mark("primary_scheduler_killed")
        self.facts["killed_in_primary"] = killed
        if self.in_flight:
            self.in_flight.record_kill(self.events["primary_scheduler_killed"], killed)

    def in_flight_outcome(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        """What became of each task that was in flight at the kill (after the failover)."""
        if not self.in_flight:
            return None
        steps = doc["operation"]["steps"]
        restored = steps.get("start_restore", {}).get("result") or {}
        config = FailoverConfig.from_dict(self.facts["secondary_outputs"]["dr_failover_config"])
        result = self.in_flight.outcome(self.events["primary_scheduler_killed"], config.restore_in_flight,
                                        restored.get("tables") or {})
        self.mark("in_flight_settled")
        return result

    def watch_failover(self) -> dict[str, Any]:
        config = FailoverConfig.from_dict(self.facts["secondary_outputs"]["dr_failover_config"])
        store = StateStore(client("dynamodb", SECONDARY), config.state_table, config.env,
                           initial_document(config.env, PRIMARY, ENVIRONMENT))

        def finished() -> dict[str, Any] | None:
            doc = store.read().doc
            op = doc.get("operation") or {}
            return doc if op.get("status") in ("completed", "failed") else None

        deadline = time.monotonic() + self.timeout
        doc = None
        while time.monotonic() < deadline and doc is None:
            try:
                doc = finished()
            except Exception as exc:
                log(f"state not readable yet: {exc}")
            if doc is None:
                time.sleep(2)
        if doc is None:
            raise TimeoutError("the failover did not complete in time")
        self.mark(f"failover_observed_{doc['operation']['status']}")
        return doc

    def verify(self, doc: dict[str, Any]) -> dict[str, Any]:
        steps = doc["operation"]["steps"]
        restored = steps.get("start_restore", {}).get("result") or {}
        snapshot_id = restored.get("snapshot_id")
        replica = f"s3://{DR_NAME}-backup-{ACCOUNT_ID}-{SECONDARY}/{ENV}"
        manifest = next((m for m in self.snapshots(replica) if m.get("snapshot_id") == snapshot_id), None)
        checks: dict[str, Any] = {"snapshot_id": snapshot_id}
        if manifest is None:
            checks["rows_equal"] = False
            checks["rows_note"] = "the restored snapshot's manifest was not found"
        else:
            expected = {t["name"]: int(t["data"]["rows"]) for t in manifest.get("tables", [])}
            # Tables only the restore writes (the workload updates one Variable key): equal counts expected.
            stable = [t for t in ("variable", "connection", "slot_pool") if t in expected]
            actual = count_rows(self.stack, SECONDARY, stable)
            checks["rows"] = {t: {"snapshot": expected[t], "restored": actual.get(t)} for t in stable}
            # dag_run / task_instance keep growing after the failover: count the rows up to the snapshot
            checks["rows"].update(self._runs_up_to(manifest))
            checks["rows_equal"] = bool(checks["rows"]) and all(
                v["snapshot"] == v["restored"] for v in checks["rows"].values())
            checks["restore_report_tables"] = len(restored.get("tables") or {})
            checks["tables_accounted"] = self._accounted(expected, restored.get("tables") or {})
        fenced = steps.get("fence_primary", {}).get("result") or {}
        active_before = set(fenced.get("active_before") or ACTIVE_IN_PRIMARY)
        active_now = {d["dag_id"] for d in rest(SECONDARY).dags(paused=False)}
        checks["active_dags_unpaused"] = sorted(active_before - active_now) == []
        checks["active_dags"] = {"primary_before": sorted(active_before), "secondary_now": sorted(active_now)}
        verify = steps.get("verify", {}).get("result") or {}
        checks["new_run"] = (verify.get("checks") or {}).get("new_run")
        checks["new_run_succeeded"] = (checks["new_run"] or {}).get("state") == "success"
        checks["fencing"] = fenced.get("result")
        checks["primary_paused_after_fencing"] = sorted(
            d["dag_id"] for d in rest(PRIMARY).dags(paused=True) if d["dag_id"] in ACTIVE_IN_PRIMARY)
        self.mark("verified")
        return checks

    @staticmethod
    def _accounted(expected: dict[str, int], tables: dict[str, Any]) -> dict[str, Any]:
        """Every table of the snapshot, per the restore's own report: each snapshot row was inserted, replaced,
        found unchanged or kept (target-owned); the rest (conflicts, orphans) are listed. Informational: the live
        tables keep changing once the restored environment runs, so only the stable ones are compared in the DB."""
        kept = ("inserted", "replaced", "unchanged", "skipped_existing")
        mismatched = {}
        for name, rows in sorted(expected.items()):
            info = tables.get(name) or {}
            landed = sum(int(info.get(k) or 0) for k in kept)
            if info.get("state") not in (None, "success", "absent") or (rows and landed != rows):
                mismatched[name] = {"snapshot": rows, "landed": landed, **info}
        return {"tables": len(expected), "all_rows_landed": not mismatched, "mismatched": mismatched}

    def _runs_up_to(self, manifest: dict[str, Any]) -> dict[str, dict[str, int | None]]:
        """dag_run and task_instance rows restored from the snapshot: the secondary's rows of runs queued up to the
        snapshot's consistent point (runs started after the failover come later), against the manifest's counts."""
        expected = {t["name"]: int(t["data"]["rows"]) for t in manifest.get("tables", [])}
        cut = manifest.get("created_at")
        result: dict[str, dict[str, int | None]] = {}
        with contextlib.closing(psycopg2.connect(self.stack.cluster.dsn(environment_db(self.stack, SECONDARY)),
                                                 connect_timeout=10)) as conn, conn.cursor() as cur:
            # Airflow 3 renamed dag_run.execution_date to logical_date (the secondary may run either major)
            cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'dag_run' "
                        "AND column_name IN ('execution_date', 'logical_date')")
            date_column = "execution_date" if "execution_date" in {r[0] for r in cur.fetchall()} else "logical_date"
            sql = {
                "dag_run": "SELECT count(*) FROM dag_run WHERE queued_at <= %s OR (queued_at IS NULL AND "
                           f"{date_column} <= %s)",
                "task_instance": "SELECT count(*) FROM task_instance ti JOIN dag_run dr ON dr.dag_id = ti.dag_id "
                                 "AND dr.run_id = ti.run_id WHERE dr.queued_at <= %s OR (dr.queued_at IS NULL AND "
                                 f"dr.{date_column} <= %s)",
            }
            for table, query in sql.items():
                if table not in expected:
                    continue
                cur.execute(query, (cut, cut))
                result[table] = {"snapshot": expected[table], "restored": int((cur.fetchone() or [0])[0])}
        return result

    def runbook_status(self) -> dict[str, Any]:
        """What the on-call engineer sees afterwards: `mwaa-platform failover status` (the runbook CLI)."""
        cmd = [sys.executable, "-m", "mwaa_platform.cli", "failover", "status", "--env", ENV,
               "--secondary-region", SECONDARY, "--json"]
        env = {**os.environ, **self.stack.client_env(SECONDARY)}
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)
        log(f"$ mwaa-platform failover status --env {ENV} --secondary-region {SECONDARY} --json: exit "
            f"{done.returncode}")
        try:
            status: dict[str, Any] = json.loads(done.stdout)
        except ValueError:
            return {"exit": done.returncode, "error": (done.stderr or done.stdout)[-1000:]}
        return {"exit": done.returncode, "active_region": status.get("active_region"),
                "operation": (status.get("operation") or {}).get("status"),
                "health": (status.get("health") or {}).get("summary") or status.get("health")}

    def timeline(self, doc: dict[str, Any]) -> dict[str, Any]:
        killed = self.events["primary_scheduler_killed"]
        op = doc["operation"]
        steps = op["steps"]

        def at(step: str, key: str) -> datetime | None:
            value = (steps.get(step) or {}).get(key)
            return datetime.fromisoformat(value) if value else None

        def since_kill(when: datetime | None) -> float | None:
            return round((when - killed).total_seconds(), 1) if when else None

        bars = {}
        for name in steps:
            start, end = at(name, "started_at"), at(name, "finished_at")
            bars[name] = {"start": since_kill(start), "end": since_kill(end)}
        replica = f"s3://{DR_NAME}-backup-{ACCOUNT_ID}-{SECONDARY}/{ENV}"
        restored_id = (steps.get("start_restore", {}).get("result") or {}).get("snapshot_id")
        manifest = next((m for m in self.snapshots(replica) if m.get("snapshot_id") == restored_id), {})
        snapshot_at = datetime.fromisoformat(manifest["created_at"].replace("Z", "+00:00")) \
            if manifest.get("created_at") else None
        detection = at("evaluate_health", "finished_at")
        created_start, available = at("create_environment", "started_at"), at("wait_available", "finished_at")
        restore_start, restore_end = at("start_restore", "started_at"), at("start_restore", "finished_at")
        unpaused, released = at("unpause", "finished_at"), at("release", "finished_at")
        metrics = {
            "detection_seconds": since_kill(detection),
            "restore_seconds": round((restore_end - restore_start).total_seconds(), 1)
            if restore_start and restore_end else None,
            "create_seconds": round((available - created_start).total_seconds(), 1)
            if created_start and available else None,  # backup_restore: CreateEnvironment to AVAILABLE
            "rto_seconds": since_kill(unpaused),   # detection + fencing + (create +) restore + unpause
            "rto_total_seconds": since_kill(released),
            "rpo_seconds": round((killed - snapshot_at).total_seconds(), 1) if snapshot_at else None,
            "backup_interval_seconds": BACKUP_INTERVAL_SECONDS,
            "target_rto_seconds": target_rto(self.stack.strategy),
        }
        target = metrics["target_rto_seconds"]
        metrics["rto_target_met"] = None if target is None else (
            metrics["rto_seconds"] is not None and metrics["rto_seconds"] <= target)
        metrics["rpo_target_met"] = metrics["rpo_seconds"] is not None and \
            metrics["rpo_seconds"] <= BACKUP_INTERVAL_SECONDS
        return {"killed_at": killed.isoformat(), "snapshot_consistent_at": snapshot_at.isoformat()
                if snapshot_at else None, "operation": op.get("id"), "steps": bars, "metrics": metrics,
                "health_evidence": (steps.get("evaluate_health", {}).get("result") or {}).get("summary")}
