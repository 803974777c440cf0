"""The upgrade state and lease on the emulator's DynamoDB (no Airflow): one operator at a time, resume only
what is interrupted, a rollback of a blue-green upgrade unfences the old environment and fences the new one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from typing import Any

import boto3
import pytest

from mwaa_platform.upgrade import state
from mwaa_platform.upgrade.config import UpgradeConfig, UpgradeConfigError
from mwaa_platform.upgrade.runbook import Runbook
from mwaa_platform.upgrade.state import RefusedError

pytestmark = [pytest.mark.emulator]
DESCRIBE = {"strategy": "blue_green", "from": "2.10.3", "to": "3.2.1", "source_environment": "prod",
            "target_environment": "prod-3-2"}


@pytest.fixture
def table(aws_env: dict[str, str]) -> str:
    name = f"upgrade-state-{uuid.uuid4().hex[:8]}"
    boto3.client("dynamodb").create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                                          KeySchema=[{"AttributeName": "env", "KeyType": "HASH"}],
                                          AttributeDefinitions=[{"AttributeName": "env", "AttributeType": "S"}])
    return name


def _dead_holder() -> str:
    pid = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                             text=True, check=True, timeout=30).stdout)
    return f"runbook:{socket.gethostname()}:{pid}:1"


def test_one_operator_at_a_time_and_resume_takes_over_only_a_dead_or_failed_holder(table: str) -> None:
    st = state.store(boto3.client("dynamodb"), table, "prod")
    first = f"runbook:{socket.gethostname()}:{os.getpid()}:1"          # alive: this process
    op = state.acquire(st, first, "blue_green", resume=False, takeover=False, lease_seconds=600, describe=DESCRIBE)
    assert op["status"] == "in_progress" and op["attempt"] == 1
    done, _ = state.begin_step(st, first, "create_environment", 600)
    assert not done
    state.end_step(st, first, "create_environment", "done", {"created": True})
    other = "runbook:elsewhere:1:1"
    with pytest.raises(RefusedError, match="two operators"):
        state.acquire(st, other, "blue_green", resume=False, takeover=False, lease_seconds=600, describe=DESCRIBE)
    with pytest.raises(RefusedError, match="is running, held by"):
        state.acquire(st, other, "blue_green", resume=True, takeover=False, lease_seconds=600, describe={})
    second = _dead_holder()
    op = state.acquire(st, second, "blue_green", resume=True, takeover=True, lease_seconds=600, describe={})
    assert op["attempt"] == 2 and op["previous_holder"] == first
    done, record = state.begin_step(st, second, "create_environment", 600)
    assert done and record["result"] == {"created": True}           # never run twice
    with pytest.raises(RefusedError, match="no longer holds"):
        state.begin_step(st, first, "wait_available", 600)          # the old holder can record nothing
    state.begin_step(st, second, "wait_available", 600)              # ... then `second` is killed in this step
    op = state.acquire(st, other, "blue_green", resume=True, takeover=False, lease_seconds=600, describe={})
    assert op["attempt"] == 3                                        # its process is dead: no --takeover needed
    state.begin_step(st, other, "wait_available", 600)
    state.end_step(st, other, "wait_available", "failed", error="boom")
    assert st.read().doc["operation"]["steps"]["wait_available"]["attempts"] == 2
    with pytest.raises(RefusedError, match="failed at step wait_available"):
        state.acquire(st, "runbook:x:3:3", "blue_green", resume=False, takeover=False, lease_seconds=600,
                      describe=DESCRIBE)
    op = state.acquire(st, "runbook:x:3:3", "blue_green", resume=True, takeover=False, lease_seconds=600,
                       describe={})
    assert op["attempt"] == 4


def test_rollback_of_blue_green_swaps_the_environments(table: str) -> None:
    st = state.store(boto3.client("dynamodb"), table, "prod")
    holder = "runbook:here:9:9"
    state.acquire(st, holder, "blue_green", resume=False, takeover=False, lease_seconds=600, describe=DESCRIBE)
    state.begin_step(st, holder, "inventory", 600)
    state.end_step(st, holder, "inventory", "done", {"active_before": ["etl", "reports"],
                                                     "counts_before": {"dag_run": 3, "task_instance": 9}})
    state.complete(st, holder, active_environment="prod-3-2")
    book = Runbook(UpgradeConfig(environment="prod", region="us-east-1", state_table=table))
    what: dict[str, Any] = book.describe_rollback()
    assert what["kind"] == "rollback_blue_green"
    assert (what["source_environment"], what["target_environment"]) == ("prod-3-2", "prod")
    assert what["also_active"] == ["etl", "reports"]                  # the old environment's active DAGs
    plan = book.plan("rollback")
    assert [r["step"] for r in plan["steps"]] == ["inventory", "pause", "drain", "unpause"]
    with pytest.raises(RefusedError, match="no interrupted or failed upgrade"):
        book.resume()


def test_bad_input_is_refused_before_anything_runs(table: str) -> None:
    with pytest.raises(UpgradeConfigError, match="not an MWAA environment name"):
        UpgradeConfig(environment="bad name", region=None, state_table=table)
    with pytest.raises(UpgradeConfigError, match="state-table"):
        UpgradeConfig(environment="prod", region=None, state_table="")
    with pytest.raises(UpgradeConfigError, match="not a version MWAA has offered"):
        UpgradeConfig(environment="prod", region=None, state_table=table, target="3.9.9")
    missing = Runbook(UpgradeConfig(environment="prod", region="us-east-1", state_table="no-such-table"))
    with pytest.raises(RefusedError, match="does not exist"):
        missing.resume()
