"""Every failover / failback step as a function of (context, plan, input, results) -> result.

Steps talk to AWS only through ``ctx.client(service, region)`` so tests inject clients and the runner
records every call's outcome. The runner (``runner.py``) owns the state table bookkeeping (lease checks,
never running a done step again, failure records); the steps own the work, and are idempotent on their
own: a re-run after a crash inside a step finds the environment already created, the DAG run already
triggered (fixed run id), the DAG already paused.
"""

from __future__ import annotations

from mwaa_platform.failover.errors import RefusedError
from mwaa_platform.failover.step_types import Call, Plan, Step, StepFunc, get_environment, plan_for
from mwaa_platform.failover.steps_environment import (
    CREATE_KEYS,
    CREATING,
    ENV_FAILED,
    OBJECT_VERSION_KEYS,
    create_environment,
    create_params,
    wait_available,
)
from mwaa_platform.failover.steps_fencing import fence
from mwaa_platform.failover.steps_health import check_failback, evaluate_health, store_config
from mwaa_platform.failover.steps_lease import acquire_lease, release
from mwaa_platform.failover.steps_metadata import RUN_DONE, backup_source, start_restore, unpause, verify
from mwaa_platform.failover.steps_notify import notify, publish

# The steps live in one module per phase; this module is the workflows and the one import path for all of them.
__all__ = [
    "CREATE_KEYS", "CREATING", "ENV_FAILED", "FAILBACK_STEPS", "FAILOVER_STEPS", "OBJECT_VERSION_KEYS", "RUN_DONE",
    "STORE_CONFIG", "Call", "Plan", "RefusedError", "Step", "StepFunc", "acquire_lease", "backup_source",
    "check_failback", "create_environment", "create_params", "evaluate_health", "fence", "get_environment",
    "notify", "plan_for", "publish", "release", "start_restore", "step_named", "steps_for", "store_config",
    "unpause", "verify", "wait_available",
]


# ---------------------------------------------------------------------------------------------------------
# The workflows
# ---------------------------------------------------------------------------------------------------------
FAILOVER_STEPS: list[Step] = [
    Step("evaluate_health", "EvaluateHealth", evaluate_health, "gate", 120,
         "SchedulerHeartbeat over M periods + GetEnvironment (+ canary): healthy, unhealthy or unknown"),
    Step("acquire_lease", "AcquireLease", acquire_lease, "lease", 60,
         "conditional write: start (or, when resuming, take over) the operation"),
    Step("fence_primary", "FencePrimary", fence, "task", 300,
         "pause the primary's active DAGs when reachable; record the result"),
    Step("create_environment", "CreateEnvironment", create_environment, "task", 120,
         "backup_restore: CreateEnvironment from the stored config; warm_standby: check the standby"),
    Step("wait_available", "WaitAvailable", wait_available, "poll", 60,
         "poll until the secondary environment is AVAILABLE"),
    Step("start_restore", "StartRestore", start_restore, "callback", 120,
         "trigger the restore DAG with a task token; wait for its callback"),
    Step("unpause", "Unpause", unpause, "task", 300, "unpause the DAGs that were active in the primary"),
    Step("verify", "Verify", verify, "task", 900, "AVAILABLE, restore committed, DAGs active, a new run succeeds"),
    Step("notify", "Notify", notify, "task", 60, "SNS summary with the timeline and the fencing result"),
    Step("release", "Release", release, "final", 60, "the secondary becomes active; release the lease"),
]

FAILBACK_STEPS: list[Step] = [
    Step("check_failback", "CheckFailback", check_failback, "gate", 60,
         "the secondary is active and the primary environment is AVAILABLE again"),
    Step("acquire_lease", "AcquireLease", acquire_lease, "lease", 60, "start (or resume) the failback"),
    Step("fence_secondary", "FenceSecondary", fence, "task", 300, "pause the secondary's active DAGs"),
    Step("backup_secondary", "BackupSecondary", backup_source, "task", 900,
         "a final backup of the secondary, then pause its backup DAG"),
    Step("restore_primary", "RestorePrimary", start_restore, "callback", 120,
         "restore the final backup into the primary"),
    Step("unpause_primary", "UnpausePrimary", unpause, "task", 300, "unpause the DAGs active in the secondary"),
    Step("verify_primary", "VerifyPrimary", verify, "task", 900, "the primary verifies like a failover target"),
    Step("notify", "Notify", notify, "task", 60, "SNS summary"),
    Step("release", "Release", release, "final", 60, "the primary becomes active again; release the lease"),
]

# Runs on the healthy branch of every scheduled evaluation, outside any operation.
STORE_CONFIG = Step("store_config", "StoreConfig", store_config, "gate", 60,
                    "keep the primary's environment configuration in the secondary bucket")


def steps_for(kind: str) -> list[Step]:
    if kind == "failover":
        return FAILOVER_STEPS
    if kind == "failback":
        return FAILBACK_STEPS
    raise RefusedError(f"unknown operation {kind!r}: failover or failback")


def step_named(kind: str, name: str) -> Step:
    if name == STORE_CONFIG.name:
        return STORE_CONFIG
    for step in steps_for(kind):
        if step.name == name:
            return step
    raise RefusedError(f"{kind} has no step {name!r}")
