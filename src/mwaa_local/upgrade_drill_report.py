"""The upgrade drill's report (:mod:`mwaa_local.upgrade_drill`): the text summary per scenario and the timeline
PNG of every step, execute then rollback."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any


def draw(reports: list[dict[str, Any]], path: Path) -> bool:
    """One row per step of each scenario, seconds since its execute started; False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    rows: list[tuple[str, float, float, bool]] = []
    for rep in reports:
        zero = rep["marks"]["execute"]
        phases = [("", rep.get("steps") or {}), ("rollback ", (rep.get("rollback") or {}).get("steps") or {})]
        for phase, steps in phases:
            for name, rec in sorted(steps.items(), key=lambda kv: kv[1].get("started_at") or ""):
                if rec.get("started_at") and rec.get("finished_at"):
                    start = datetime.fromisoformat(rec["started_at"]).timestamp() - zero
                    end = datetime.fromisoformat(rec["finished_at"]).timestamp() - zero
                    rows.append((f"{rep['from']}->{rep['to']} {phase}{name}", start, end,
                                 rec.get("status") == "failed"))
    fig, ax = plt.subplots(figsize=(11, 0.4 * len(rows) + 2))
    for i, (_, start, end, failed) in enumerate(rows):
        ax.broken_barh([(start, max(0.5, end - start))], (i - 0.35, 0.7), color="#C44E52" if failed else "#4C72B0")
        ax.text(end + 1, i, f"{end - start:.0f}s", va="center", fontsize=8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r[0] for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("seconds since `upgrade execute` started")
    ax.set_title("Upgrade drill: execute, then rollback, per scenario")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _step_lines(steps: dict[str, Any], indent: str) -> list[str]:
    lines = []
    for name, rec in sorted(steps.items(), key=lambda kv: kv[1].get("started_at") or ""):
        took = ""
        if rec.get("started_at") and rec.get("finished_at"):
            seconds = (datetime.fromisoformat(rec["finished_at"]).timestamp()
                       - datetime.fromisoformat(rec["started_at"]).timestamp())
            took = f"{seconds:.1f}s"
        lines.append(f"{indent}{name:18} {rec.get('status'):8} {took}")
    return lines


def render_text(reports: list[dict[str, Any]]) -> str:
    lines = ["Upgrade drill (embedded default: emulator + local MWAA with real Airflow)"]
    for rep in reports:
        m = rep["marks"]
        check_ = rep.get("check") or {}
        lines.append(f"- {rep['from']} -> {rep['to']} ({rep['strategy']}): {'OK' if rep.get('ok') else 'FAILED'} "
                     f"in {m.get('done', 0) - m.get('execute', 0):.0f}s; check: "
                     f"{'blocked' if check_.get('blocked') else 'ok'} ({check_.get('blockers', 0)} blockers, "
                     f"{check_.get('warnings', 0)} warnings)")
        for finding in (check_.get("findings") or [])[:20]:
            where = f"{finding.get('file')}:{finding.get('line')}" if finding.get("file") else ""
            lines.append(f"    check {finding.get('severity')}: {where} {finding.get('code') or ''} "
                         f"{finding.get('message')}".rstrip())
        lines += _step_lines(rep.get("steps") or {}, "    ")
        if rep.get("rehearse"):
            r = rep["rehearse"]
            lines.append(f"  rehearse on a throwaway {r.get('to')} copy: {'OK' if r.get('ok') else 'FAILED'}; "
                         f"migration (restore run) {r.get('migration_seconds')}s; steps {json.dumps(r.get('seconds'))}"
                         + (f"; error: {r['error'][:300]}" if r.get("error") else ""))
        v = rep.get("verification") or {}
        if v:
            lines.append(f"  verification: {'OK' if v.get('ok') else 'FAILED'}; runs carried "
                         f"{json.dumps(v.get('runs_carried'))}; active {v.get('active')}; new run {v.get('new_run')}"
                         + (f"; active in the old environment {v.get('old_active')}" if "old_active" in v else ""))
            lines.append(f"  downtime (last task finished on {rep['from']} -> first task started on {rep['to']}): "
                         f"{v.get('downtime_seconds')}s")
            rows = v.get("rows") or {}
            table_rows = rows.get("tables") or {}
            lines.append("  rows per table (before -> after), tables with rows: " + ", ".join(
                f"{t} {b}->{a}" for t, (b, a) in table_rows.items() if b or a))
            lines.append(f"  Airflow's migrations: tables added {rows.get('only_after')}, dropped "
                         f"{rows.get('only_before')}; fewer rows after: {rows.get('fewer_rows') or 'none'}")
        if rep.get("inflight"):
            f = rep["inflight"]
            lines.append(f"  in flight at the cut-over: upgrade_inflight/inflight-0 {f.get('at_cutover')}; after the "
                         f"upgrade: {json.dumps(f.get('after'))}"
                         + (f"; in the old environment: {json.dumps(f['old_environment'])}"
                            if "old_environment" in f else ""))
        rb = rep.get("rollback") or {}
        if rb:
            lines.append(f"  rollback: {'OK' if rb.get('ok') else 'FAILED'} in {rb.get('seconds')}s; version "
                         f"{rb.get('version')}; runs {json.dumps(rb.get('runs'))}; active {rb.get('active')}; new run "
                         f"{rb.get('new_run')}" + (f"; active on the other side {rb.get('other_active')}"
                                                   if "other_active" in rb else "")
                         + (f"; error: {rb['error'][:500]}" if rb.get("error") else ""))
            lines += _step_lines(rb.get("steps") or {}, "    rollback ")
        if rep.get("error"):
            lines.append(f"  error: {rep['error'][:800]}")
    return "\n".join(lines)
