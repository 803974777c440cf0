#!/usr/bin/env bash
# bench/metadata/run.sh [SCENARIOS] [REPEAT]
#   Our engine (mwaa-platform metadata backup|restore) against mwaa-dr 2.2.0, side by side on identical data,
#   with the peer-bench kit (read-only, outside the project), plus a pg_dump/pg_restore floor of the same tables.
#   SCENARIOS: "scale edges" (default) or any compare-tools.sh scenario list; REPEAT: runs of each (default 1).
#   Knobs: PEER_BENCH_KIT (default /work/shared/peer-bench), PEER_BENCH_HOME (default <repo>/.state/peer-bench),
#          PG_PORT / MOTO_PORT (default 55452 / 5185), COMPARE_ORDER (kit: base-first | tool-first).
#   Output: bench/results/metadata-<UTC time>/ (gitignored): per scenario the kit's side_by_side.{txt,json} and
#           summaries, floor/ (pg_dump + pg_restore /usr/bin/time -v), summary.md (the tables for RESULTS.md).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd -P)
KIT=${PEER_BENCH_KIT:-/work/shared/peer-bench}
SCENARIOS=${1:-scale edges}
REPEAT=${2:-1}
export PEER_BENCH_HOME=${PEER_BENCH_HOME:-$REPO/.state/peer-bench}
export PG_PORT=${PG_PORT:-55452} MOTO_PORT=${MOTO_PORT:-5185}
PY=$REPO/.venv/bin/python
OUT=$REPO/bench/results/metadata-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
echo "results -> $OUT"

[ -x "$KIT/compare-tools.sh" ] || { echo "peer-bench kit not found at $KIT (set PEER_BENCH_KIT)" >&2; exit 2; }
[ -x "$PY" ] || { echo "no project venv at $REPO/.venv (make setup)" >&2; exit 2; }
"$PY" -c "import zstandard" 2> /dev/null || echo "note: zstandard not installed in $REPO/.venv: the tool uses gzip"
[ -f "$PEER_BENCH_HOME/venv/.peer-bench-setup-ok" ] || "$KIT/setup.sh" | tee "$OUT/setup.log"

export TOOL_NAME=mwaa-platform
export TOOL_BACKUP="$PY $REPO/bench/metadata/peer_tool.py backup"
export TOOL_RESTORE="$PY $REPO/bench/metadata/peer_tool.py restore"
{ echo "kit: $KIT"; echo "state: $PEER_BENCH_HOME (PG_PORT=$PG_PORT MOTO_PORT=$MOTO_PORT)"; echo "TOOL_BACKUP=$TOOL_BACKUP"
  echo "TOOL_RESTORE=$TOOL_RESTORE"; echo "host: $(nproc) cpu, load $(cut -d' ' -f1-3 /proc/loadavg)"; } > "$OUT/setup.txt"

floor() {  # pg_dump / pg_restore of the tables our snapshot covers (+ ab_user, which their foreign keys need)
  local dir=$OUT/$1/floor tables args
  mkdir -p "$dir"
  tables=$(AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="postgresql://postgres@127.0.0.1:$PG_PORT/airflow_src" "$PY" - <<'PY'
import psycopg2
from mwaa_platform.metadata import dbconn, schema, table_rules
conn = psycopg2.connect(dbconn.to_libpq(dbconn.resolve_db_url()))
s = schema.reflect(conn.cursor())
print(" ".join(sorted(n for n, t in s.tables.items() if table_rules.table_policy(t, s).include) + ["ab_user"]))
PY
)
  args=(); for t in $tables; do args+=(-t "public.$t"); done
  echo "$tables" > "$dir/tables.txt"
  /usr/bin/time -v -o "$dir/pg_dump.time" pg_dump -h 127.0.0.1 -p "$PG_PORT" -U postgres -d airflow_src -Fc -Z 1 \
    "${args[@]}" -f "$dir/dump.pgc"
  psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "DROP DATABASE IF EXISTS airflow_floor WITH (FORCE)" \
    -c "CREATE DATABASE airflow_floor"
  /usr/bin/time -v -o "$dir/pg_restore.time" pg_restore -h 127.0.0.1 -p "$PG_PORT" -U postgres -d airflow_floor \
    --single-transaction --no-owner "$dir/dump.pgc"
  psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "DROP DATABASE IF EXISTS airflow_floor WITH (FORCE)"
  ls -l "$dir/dump.pgc" | awk '{print $5}' > "$dir/dump.bytes"
  rm -f "$dir/dump.pgc"
}

for i in $(seq 1 "$REPEAT"); do
  for scen in $SCENARIOS; do
    run="$scen-$i"
    echo "== $run"
    "$KIT/compare-tools.sh" "$scen" 2>&1 | tee "$OUT/$run.log"
    mkdir -p "$OUT/$run"
    if [ "$scen" = edges ]; then
      for s in edge-deferred edge-retry edge-multiline edge-race edge-conflict; do
        cp -r "$PEER_BENCH_HOME/results/compare/$s" "$OUT/$run/$s"
      done
      cp "$PEER_BENCH_HOME/results/compare/edges-overview.txt" "$OUT/$run/"
    else
      cp -r "$PEER_BENCH_HOME/results/compare/$scen/." "$OUT/$run/"
      floor "$run"
    fi
  done
done
"$PY" "$REPO/bench/metadata/summarize.py" "$OUT" | tee "$OUT/summary.md"
echo "stop the kit's services with: PEER_BENCH_HOME=$PEER_BENCH_HOME PG_PORT=$PG_PORT MOTO_PORT=$MOTO_PORT $KIT/stop.sh"
