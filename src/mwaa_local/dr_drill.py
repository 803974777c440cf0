"""`make drill`: the DR drill on the embedded default, end to end, with a report.

 1. up        its own emulator, PostgreSQL and local MWAA (state in .state/drill, free ports; nothing shared
              with `make up`), metrics every 10 s
 2. apply     the platform stack in the primary, then the secondary region (scripts/tf.sh, ENV=local) with the
              drill's settings: the strategy, DR settings in each environment, health periods of 10 s
 3. steady    the primary runs a workload DAG and backs up every minute; the secondary is a paused twin (warm
              standby) or only the recovery kit (backup_restore: role, key, security group, endpoint automation);
              backups and DAGs replicate (EMULATED: mwaa_local.replication, moto does not replicate)
 4. in flight two runs of drill_inflight: one a replicated snapshot carries (its tasks running on the Celery
              worker), one newer than any snapshot (running, and queued in SQS behind the others)
 5. kill      SIGKILL of the primary's scheduler, Celery workers, triggerer and DAG processor (a regional failure;
              the MWAA API stays, for fencing)
 6. failover  EventBridge Scheduler -> Step Functions -> the failover Lambdas detect, fence, (backup_restore:
              CreateEnvironment from the stored configuration, wait for AVAILABLE,) restore, unpause, verify,
              notify and release: the drill only watches the state table
 7. verify    rows per table equal to the restored snapshot, the active DAGs unpaused, a new run succeeded
 8. report    detection time, restore time, data-loss window (RPO), RTO, and what became of each task in flight
              (rerun by the secondary per the restore's in_flight policy, or lost with the region); text, JSON and
              a timeline PNG

Targets (warm standby): detection + restore + unpause <= 120 s after the primary dies; RPO <= backup interval.
backup_restore has no RTO target here (MWAA takes 20-30+ min to create an environment; the local one far less):
its report adds the time from CreateEnvironment to AVAILABLE.
Exit 0 when the failover completed and verified (targets are reported, not enforced), 1 otherwise.

    mwaa-platform drill [--strategy warm_standby|backup_restore] [--demo [--full-outputs]] [--keep] [--out DIR]
                     [--timeout-minutes 15]
    mwaa-platform drill --stop   # stop what a --keep run left running (scripts/drill.py: the same)

--demo (`make demo`): the whole platform of terraform/envs/local.tfvars (EKS included), a clean re-plan of each
region and a summary of what was created (mwaa_platform.demo; every output in .state/demo/outputs-<region>.json)
before the drill itself.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

import click

from mwaa_local.dr_drill_phases import Drill
from mwaa_local.dr_drill_report import draw, render_text
from mwaa_local.dr_drill_stack import DEFAULT_AIRFLOW_VERSION, REPO, Stack, log, now
from mwaa_local.mwaa.launcher import LocalMwaa
from mwaa_local.postgres import Cluster
from mwaa_platform import versions
from mwaa_platform.failover.config import DR_MODES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mwaa-platform drill", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / ".state" / "drill", help="state and report directory")
    parser.add_argument("--keep", action="store_true", help="leave the embedded default running afterwards")
    parser.add_argument("--timeout-minutes", type=float, default=15.0, help="for the failover to complete")
    parser.add_argument("--demo", action="store_true", help="the whole local platform, re-plans and a summary first")
    parser.add_argument("--strategy", choices=DR_MODES, default="warm_standby",
                        help="dr_mode of the platform: a paused twin in the secondary, or one created on failover")
    parser.add_argument("--airflow-version", default=os.environ.get("AIRFLOW_VERSION") or DEFAULT_AIRFLOW_VERSION,
                        choices=versions.runnable(), help="Airflow version of the drilled environments")
    parser.add_argument("--secondary-airflow-version", default=os.environ.get("SECONDARY_AIRFLOW_VERSION") or None,
                        choices=versions.runnable(),
                        help="the secondary's Airflow when it runs a newer one than the primary (a region upgraded "
                             "first): the failover restores the primary's history across versions")
    parser.add_argument("--stop", action="store_true", help="only stop what a --keep run left running")
    parser.add_argument("--full-outputs", action="store_true",
                        help="--demo: print every root output (always written to .state/demo/outputs-<region>.json)")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    if out.exists():  # a previous drill (killed, or --keep): stop what it started, then start from empty state
        stale = Stack(out)
        with contextlib.suppress(Exception):
            LocalMwaa(pg_port=0, pg_root=out / "pg", emulator_env={}, root=out / "mwaa").stop()
        stale.down()
        if args.stop:
            log(f"stopped what a previous drill left running in {out} (its report stays)")
            return 0
        import shutil

        Cluster(out / "pg", 0).remove()  # with its data directory, wherever it lives
        for leftover in ("emulator", "mwaa", "repo"):
            shutil.rmtree(out / leftover, ignore_errors=True)
        for pattern in ("*.json", "*.log", "*.png", "*.txt", "*.env"):
            for path in out.glob(pattern):
                path.unlink(missing_ok=True)
    if args.stop:
        return 0
    out.mkdir(parents=True, exist_ok=True)
    secondary_version = args.secondary_airflow_version
    if secondary_version and versions.parse(secondary_version) < versions.parse(args.airflow_version):
        parser.error(f"--secondary-airflow-version {secondary_version} is older than --airflow-version "
                     f"{args.airflow_version}: a restore only goes forward")
    stack = Stack(out, demo=args.demo, strategy=args.strategy, airflow_version=args.airflow_version,
                  secondary_airflow_version=secondary_version)
    drill = Drill(stack, out, args.timeout_minutes * 60, full_outputs=args.full_outputs)
    report: dict[str, Any] = {"result": "incomplete", "strategy": args.strategy, "started_at": now().isoformat(),
                              "airflow": {"primary": args.airflow_version,
                                          "secondary": secondary_version or args.airflow_version}}
    stop = threading.Event()
    try:
        stack.up()
        drill.mark("up")
        drill.apply()
        drill.prepare()
        drill.replicate_in_background(stop)
        drill.steady()
        drill.start_in_flight()
        drill.kill()
        doc = drill.watch_failover()
        report["timeline"] = drill.timeline(doc)
        op = doc["operation"]
        if op["status"] == "failed":
            step = op.get("failed_step")
            raise RuntimeError(f"the failover failed at {step}: {(op['steps'].get(step) or {}).get('error')}")
        report["verification"] = drill.verify(doc)
        verified = report["verification"]
        ok = verified["active_dags_unpaused"] and verified["new_run_succeeded"] and verified["rows_equal"]
        report["result"] = "failover completed and verified" if ok else "failover completed, verification FAILED"
        report["state"] = {"active_region": doc.get("active_region"), "history": doc.get("history", [])[-12:]}
        report["runbook_status"] = drill.runbook_status()
        report["in_flight"] = drill.in_flight_outcome(doc)
    except Exception as exc:
        report["error"] = f"{type(exc).__name__}: {exc}"
        report["result"] = "FAILED"
        with contextlib.suppress(Exception):
            report["diagnosis"] = drill.diagnose()
    finally:
        stop.set()
        report["facts"] = {k: v for k, v in drill.facts.items() if k != "secondary_outputs"}
        report["replicated_objects"] = len(drill.facts.get("replicated_objects", []))
        report["events"] = {k: v.isoformat() for k, v in drill.events.items()}
        report["emulated"] = ["S3 cross-region replication (mwaa_local.replication)",
                              f"MWAA (mwaa_local.mwaa: real Airflow {args.airflow_version}"
                              + (f", secondary {secondary_version}" if secondary_version else "") + " on PostgreSQL)",
                              "AWS APIs (moto 5.2.5 + mwaa_local.aws_emulator fixes)"]
        (out / "report.json").write_text(json.dumps(report, indent=1, default=str))
        if report.get("timeline"):
            with contextlib.suppress(Exception):
                draw(report["timeline"], out / "timeline.png")
        print(render_text(report))
        print(f"report: {out / 'report.json'}  timeline: {out / 'timeline.png'}")
        if args.keep:
            print(f"the drill's embedded default is still running (env: {out / 'client.env'}); "
                  "`mwaa-platform drill --stop` (or `make down`) ends it")
            (out / "client.env").write_text("".join(f"export {k}={v}\n" for k, v in stack.client_env().items()))
        else:
            stack.down()
            print("the drill stopped its embedded default (emulator, PostgreSQL, local MWAA); nothing is left running")
    return 0 if report["result"] == "failover completed and verified" else 1


# `mwaa-platform drill ...`: the same arguments as this module's argparse parser (its --help too)
@click.command("drill", context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                                           "help_option_names": []}, add_help_option=False)
@click.pass_context
def command(ctx: click.Context) -> None:
    sys.exit(main(list(ctx.args)))


if __name__ == "__main__":
    raise SystemExit(main())
