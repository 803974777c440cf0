"""The declared per-table policy: what is copied, how rows are matched, what is secret, what is in flight.

Reflection (:mod:`schema`) says what the database has; this module says what it means. It names tables of
Airflow 2.9-2.11 and 3.0-3.3 (``dataset*`` became ``asset*``, ``asset_trigger`` became ``asset_watcher``); a
rule whose columns are absent simply does not apply. A table this module does not know (a newer Airflow's) is
copied with the default rules and flagged ``known: false`` in the manifest, so nothing is silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mwaa_platform.metadata.schema import Schema, Table

OnMatch = Literal["strategy", "keep", "dag_state"]
InFlight = Literal["keep", "rerun", "fail"]
Strategy = Literal["replace", "skip"]

STRATEGIES: tuple[Strategy, ...] = ("replace", "skip")
IN_FLIGHT_POLICIES: tuple[InFlight, ...] = ("keep", "rerun", "fail")
DEFAULT_DR_DAG_IDS = ("dr_backup", "dr_restore")


@dataclass(frozen=True)
class TablePolicy:
    include: bool
    reason: str = ""
    identity: tuple[tuple[str, ...], ...] | None = None  # how a backed-up row is recognised in the target
    on_match: OnMatch = "strategy"                        # what happens to a row the target already has
    secrets: tuple[tuple[str, str | None], ...] = ()      # (column, flag column saying it is Fernet-encrypted)
    known: bool = True


@dataclass(frozen=True)
class SoftRef:
    """A reference Airflow does not declare as a foreign key but which must follow remapped ids."""

    table: str
    column: str
    parent: str
    parent_column: str = "id"


_PARSE_OWNED = "derived from the DAG files; the target's DAG processor recreates it"
_EXCLUDED: dict[str, str] = {
    "alembic_version": "schema revision: compared, never copied",
    "session": "web UI sessions signed with the old environment's secret key",
    "import_error": _PARSE_OWNED,
    "dag_warning": _PARSE_OWNED,
    "dag_priority_parsing_request": "transient request to the DAG processor",
    "dag_pickle": "unused since Airflow 2.0 (pickling removed)",
    "callback_request": "transient callbacks addressed to the old environment's processes",
    "dag_tag": _PARSE_OWNED,
    "dag_owner_attributes": _PARSE_OWNED,
    "dag_schedule_dataset_reference": _PARSE_OWNED,
    "dag_schedule_dataset_alias_reference": _PARSE_OWNED,
    "task_outlet_dataset_reference": _PARSE_OWNED,
    "dag_schedule_asset_reference": _PARSE_OWNED,
    "dag_schedule_asset_alias_reference": _PARSE_OWNED,
    "dag_schedule_asset_name_reference": _PARSE_OWNED,
    "dag_schedule_asset_uri_reference": _PARSE_OWNED,
    "task_outlet_asset_reference": _PARSE_OWNED,
    "asset_active": _PARSE_OWNED,
    "asset_trigger": _PARSE_OWNED,
    "asset_watcher": _PARSE_OWNED + " (3.1+: asset_trigger renamed; the watchers' triggers are recreated too)",
    "task_inlet_asset_reference": _PARSE_OWNED,
    "revoked_token": "JWT revocations of tokens the old environment signed (3.x): meaningless in the target",
    "connection_test_request": "transient connection tests addressed to the old environment's workers (3.3)",
    "celery_taskmeta": "Celery result backend of the old environment's workers",
    "celery_tasksetmeta": "Celery result backend of the old environment's workers",
}
_AUTH_PREFIX = ("ab_",)
_AUTH_REASON = "auth manager tables: MWAA provisions users and roles in the target from IAM"

_INCLUDED: dict[str, TablePolicy] = {
    "dag": TablePolicy(True, "DAG state: is_paused is restored, parse-owned columns stay the target's",
                       on_match="dag_state"),
    "dag_bundle": TablePolicy(True, "DAG bundles (Airflow 3)", on_match="keep"),
    "dag_version": TablePolicy(True, "DAG versions that history rows point at (Airflow 3)", on_match="keep"),
    "serialized_dag": TablePolicy(True, "serialized DAG per version (Airflow 3)", on_match="keep"),
    "dag_code": TablePolicy(True, "DAG source per version (Airflow 3)", on_match="keep"),
    "log_template": TablePolicy(True, "log file name templates referenced by dag_run",
                                identity=(("filename", "elasticsearch_id"),)),
    "connection": TablePolicy(True, "connections", secrets=(("password", "is_encrypted"),
                                                            ("extra", "is_extra_encrypted"))),
    "variable": TablePolicy(True, "variables", secrets=(("val", "is_encrypted"),)),
    "trigger": TablePolicy(True, "triggers of deferred tasks", secrets=(("kwargs", None),)),
    "deadline_alert": TablePolicy(True, "deadline alerts per serialized DAG version (3.1+), kept with them",
                                  on_match="keep"),
    "team": TablePolicy(True, "teams (3.1+ multi-team), the target's own are kept", on_match="keep"),
    "dag_bundle_team": TablePolicy(True, "bundle to team assignments (3.1+)", on_match="keep"),
}
_KNOWN_HISTORY = {
    "slot_pool", "job", "log", "dag_run", "task_instance", "task_instance_history", "task_fail", "task_map",
    "task_reschedule", "xcom", "rendered_task_instance_fields", "dag_run_note", "task_instance_note",
    "sla_miss", "dataset", "dataset_alias", "dataset_alias_dataset", "dataset_alias_dataset_event",
    "dataset_event", "dagrun_dataset_event", "dataset_dag_run_queue", "asset", "asset_alias",
    "asset_alias_asset", "asset_alias_asset_event", "asset_event", "dagrun_asset_event", "asset_dag_run_queue",
    "backfill", "backfill_dag_run", "deadline", "callback", "hitl_detail", "hitl_detail_history", "dag_favorite",
    "asset_partition_dag_run", "partitioned_asset_key_log", "asset_state_store", "task_state_store",
}

SOFT_REFS: tuple[SoftRef, ...] = (
    SoftRef("task_instance", "job_id", "job"),
    SoftRef("task_instance", "queued_by_job_id", "job"),
    SoftRef("task_instance_history", "job_id", "job"),
    SoftRef("task_instance_history", "queued_by_job_id", "job"),
    SoftRef("task_instance_history", "trigger_id", "trigger"),
    SoftRef("task_instance_history", "dag_version_id", "dag_version"),
    SoftRef("dag_run", "creating_job_id", "job"),
    SoftRef("dag_run", "scheduled_by_job_id", "job"),
    SoftRef("trigger", "triggerer_id", "job"),
    SoftRef("xcom", "dag_run_id", "dag_run"),
    SoftRef("dataset_event", "dataset_id", "dataset"),
    SoftRef("asset_event", "asset_id", "asset"),
    SoftRef("partitioned_asset_key_log", "asset_id", "asset"),
    SoftRef("partitioned_asset_key_log", "asset_event_id", "asset_event"),
    SoftRef("partitioned_asset_key_log", "asset_partition_dag_run_id", "asset_partition_dag_run"),
)

# states of work that was going on when the snapshot was taken
IN_FLIGHT_TI_STATES = ("queued", "scheduled", "running", "deferred", "up_for_reschedule", "restarting")
IN_FLIGHT_RUN_STATES = ("queued", "running")


def table_policy(table: Table, schema: Schema) -> TablePolicy:
    name = table.name
    if name in _EXCLUDED:
        return TablePolicy(False, _EXCLUDED[name])
    if name.startswith(_AUTH_PREFIX):
        return TablePolicy(False, _AUTH_REASON)
    if name in ("serialized_dag", "dag_code") and "dag_version" not in schema:
        return TablePolicy(False, _PARSE_OWNED + " (Airflow 2: no DAG versions reference it)")
    if name in _INCLUDED:
        return _INCLUDED[name]
    if name in _KNOWN_HISTORY:
        return TablePolicy(True, "history/state")
    return TablePolicy(True, "not in the declared policy: copied with default rules", known=False)


def soft_refs(schema: Schema) -> list[SoftRef]:
    """The soft references whose columns exist in this schema."""
    out = []
    for ref in SOFT_REFS:
        child, parent = schema.tables.get(ref.table), schema.tables.get(ref.parent)
        if child and parent and child.has(ref.column) and parent.has(ref.parent_column):
            out.append(ref)
    return out


def identity_keys(table: Table, pol: TablePolicy) -> list[tuple[str, ...]]:
    """Column sets that say 'this backed-up row is that target row'. Empty = whole-row content."""
    if pol.identity is not None:
        return [k for k in pol.identity if table.has(*k)]
    keys: list[tuple[str, ...]] = []
    if table.primary_key and not table.surrogate_key:
        keys.append(table.primary_key)
    keys.extend(u for u in table.uniques if u not in keys)
    return keys
