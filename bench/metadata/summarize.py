"""Markdown tables from one bench/metadata/run.sh output directory (side_by_side.json + floor timings).

    python summarize.py bench/results/metadata-<time>
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

METRICS = ["backup wall s", "backup peak MB (RSS)", "backup CPU s", "restore wall s", "restore peak MB (RSS)",
           "restore CPU s", "S3 MB", "edge failures (tables not success)", "rows lost, all tables",
           "rows extra in dst", "active DAGs left paused", "xcom_rows_invisible_to_xcom_pull",
           "task_instance_job_id_dangling", "trigger_kwargs_undecryptable_in_dst"]


def time_v(path: Path) -> dict[str, float]:
    text = path.read_text()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    secs = sum(float(p) * 60 ** i for i, p in enumerate(reversed(wall.group(1).split(":")))) if wall else 0.0
    return {"wall_s": round(secs, 2), "peak_mb": round(int(rss.group(1)) / 1024, 1) if rss else 0.0}


def table(doc: dict[str, Any]) -> list[str]:
    rows = {r["metric"]: r for r in doc["rows"]}
    out = [f"| metric | {doc['base']} | {doc['tool']} | ratio |", "|---|---|---|---|"]
    for name in METRICS:
        if name in rows:
            r = rows[name]
            out.append(f"| {name} | {r['base']} | {r['tool']} | {r['ratio']} |")
    out += [f"| edge failures ({doc['base']}) | {', '.join(doc['failures'][doc['base']]) or 'none'} | | |",
            f"| edge failures ({doc['tool']}) | | {', '.join(doc['failures'][doc['tool']]) or 'none'} | |"]
    return out


def main() -> None:
    root = Path(sys.argv[1])
    lines = [f"# bench/metadata results: {root.name}", ""]
    setup = root / "setup.txt"
    if setup.exists():
        lines += ["```", setup.read_text().strip(), "```", ""]
    for run in sorted(p for p in root.iterdir() if p.is_dir()):
        docs = sorted(run.glob("**/side_by_side.json"))
        for doc_path in docs:
            doc = json.loads(doc_path.read_text())
            lines += [f"## {run.name}: {doc['scenario']}", "", *table(doc), ""]
        floor = run / "floor"
        if floor.exists():
            dump, rest = time_v(floor / "pg_dump.time"), time_v(floor / "pg_restore.time")
            size = int((floor / "dump.bytes").read_text().strip() or 0)
            lines += [f"floor ({run.name}): pg_dump -Fc -Z1 {dump['wall_s']} s ({dump['peak_mb']} MB), "
                      f"pg_restore --single-transaction {rest['wall_s']} s ({rest['peak_mb']} MB), "
                      f"dump {size / 1e6:.1f} MB", ""]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
