"""The DR drill's report (:mod:`mwaa_local.dr_drill`): the RTO target, the timeline PNG and the text summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mwaa_local.dr_drill_stack import BACKUP_INTERVAL_SECONDS, TARGET_RTO_SECONDS


def target_rto(strategy: str) -> int | None:
    """The drill's RTO target: warm standby only (backup_restore's is dominated by MWAA's environment creation)."""
    return TARGET_RTO_SECONDS if strategy == "warm_standby" else None


def draw(timeline: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = timeline["metrics"]
    steps = [(n, b) for n, b in timeline["steps"].items() if b["start"] is not None]
    steps.sort(key=lambda item: item[1]["start"])
    if metrics.get("detection_seconds") is not None:  # heartbeats missing until N of M periods and a schedule tick
        steps.insert(0, ("(evidence accumulating)", {"start": 0.0, "end": metrics["detection_seconds"]}))
    fig, ax = plt.subplots(figsize=(11, 0.45 * len(steps) + 2.2))
    for row, (name, bar) in enumerate(steps):
        end = bar["end"] if bar["end"] is not None else bar["start"]
        color = "#CCCCCC" if name.startswith("(") else "#4C72B0"
        ax.broken_barh([(bar["start"], max(0.5, end - bar["start"]))], (row - 0.35, 0.7), color=color)
        ax.text(end + 1, row, f"{end - bar['start']:.1f}s", va="center", fontsize=8)
    ax.axvline(0, color="#C44E52", lw=2)
    ax.text(0, len(steps) - 0.3, " primary killed (scheduler, workers)", color="#C44E52", fontsize=9)
    if metrics.get("rpo_seconds") is not None:
        ax.axvline(-metrics["rpo_seconds"], color="#8172B2", ls="--")
        ax.text(-metrics["rpo_seconds"], -0.9, " last replicated snapshot", color="#8172B2", fontsize=8)
    target = metrics.get("target_rto_seconds")
    if target is not None:
        ax.axvline(target, color="#55A868", ls=":")
        ax.text(target, len(steps) - 0.3, f" {target}s target", color="#55A868", fontsize=8)
    ax.set_yticks(range(len(steps)))
    ax.set_yticklabels([n for n, _ in steps])
    ax.set_xlabel("seconds since the primary's scheduler and workers died")
    ax.set_title(f"DR drill: detection {metrics.get('detection_seconds')}s, restore {metrics.get('restore_seconds')}s, "
                 f"RTO {metrics.get('rto_seconds')}s, RPO {metrics.get('rpo_seconds')}s")
    ax.set_ylim(-1.3, len(steps))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def render_text(report: dict[str, Any]) -> str:
    t = report.get("timeline") or {}
    m = t.get("metrics") or {}
    v = report.get("verification") or {}
    target = m.get("target_rto_seconds")
    verdict = "no target for backup_restore" if target is None else \
        f"target {target} s: {'met' if m.get('rto_target_met') else 'NOT met'}"
    lines = [
        "DR drill report (embedded default: emulator + local MWAA; replication EMULATED)",
        f"  strategy:            {report.get('strategy')}",
        f"  Airflow:             primary {(report.get('airflow') or {}).get('primary')}, "
        f"secondary {(report.get('airflow') or {}).get('secondary')}",
        f"  result:              {report['result']}",
        f"  operation:           {t.get('operation')}",
        f"  health evidence:     {t.get('health_evidence')}",
        f"  detection:           {m.get('detection_seconds')} s after the scheduler died",
        *([f"  create environment:  {m.get('create_seconds')} s (CreateEnvironment to AVAILABLE)"]
          if report.get("strategy") == "backup_restore" else []),
        f"  restore:             {m.get('restore_seconds')} s",
        f"  RTO (detect+{'create+' if report.get('strategy') == 'backup_restore' else ''}restore+unpause): "
        f"{m.get('rto_seconds')} s ({verdict})",
        f"  RTO total (to release): {m.get('rto_total_seconds')} s",
        f"  RPO (data-loss window): {m.get('rpo_seconds')} s (backup interval {BACKUP_INTERVAL_SECONDS} s: "
        f"{'met' if m.get('rpo_target_met') else 'NOT met'})",
        f"  fencing:             {v.get('fencing')} (primary DAGs paused: {v.get('primary_paused_after_fencing')})",
        f"  rows equal to the snapshot: {v.get('rows_equal')} {json.dumps(v.get('rows'))}",
        f"  restore report, every snapshot table: {json.dumps(v.get('tables_accounted'), default=str)[:400]}",
        f"  active DAGs unpaused: {v.get('active_dags_unpaused')} {json.dumps(v.get('active_dags'))}",
        f"  new run succeeded:   {v.get('new_run_succeeded')} {json.dumps(v.get('new_run'))}",
        f"  runbook status:      {json.dumps(report.get('runbook_status'), default=str)[:300]}",
        "  steps (seconds since the kill): " + ", ".join(
            f"{n} {b['start']}..{b['end']}" for n, b in (t.get("steps") or {}).items()),
    ]
    lines.extend(render_in_flight(report.get("in_flight")))
    if report.get("error"):
        lines.append(f"  error: {report['error']}")
    return "\n".join(lines)


def render_in_flight(section: dict[str, Any] | None) -> list[str]:
    """The tasks in flight at the kill, one line each, and the dead region's Celery queue."""
    if not section:
        return []
    queue = section.get("queue_at_kill")
    lines = [f"  in flight at the kill (restore in_flight={section.get('policy')}; killed in the primary: "
             f"{', '.join(section.get('killed') or [])}):"]
    if queue and "queue" in queue:
        after = section.get("queue_after") or {}
        lines.append(f"    Celery queue {queue['queue']} (SQS, primary): at the kill {queue['waiting']} waiting, "
                     f"{queue['taken_by_workers']} taken by workers; after the failover {after.get('waiting')} "
                     f"waiting, {after.get('taken_by_workers')} taken (no worker is left to take or finish them)")
    elif queue and queue.get("error"):
        lines.append(f"    the Celery queue could not be read: {queue['error']}")
    else:
        lines.append("    no Celery queue: the environment runs LocalExecutor (tasks run beside the scheduler)")
    for row in section.get("tasks") or []:
        now = row.get("secondary") or {}
        where = f" ({now.get('hostname')} in {now.get('region')}, try {now.get('try_number')})" if now else ""
        lines.append(f"    {row['run']:<5} {row['task']:<7} at the kill {row['at_kill']:<31} -> {row['fate']}{where}")
    lines.append(f"    rerun by the secondary: {section.get('rerun')}, lost with the region: {section.get('lost')}; "
                 f"task instances the restore changed per its policy: {section.get('restore_in_flight_changed')}")
    return lines
