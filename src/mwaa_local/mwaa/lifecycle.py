"""The status machine and its background worker.

::

    CreateEnvironment  -> CREATING -> (CUSTOMER endpoints: PENDING until they exist -> CREATING) -> AVAILABLE
                                   -> CREATE_FAILED (LastUpdate.Error says why)
    UpdateEnvironment  -> UPDATING -> AVAILABLE, or ROLLING_BACK -> UPDATE_FAILED (rolled back, ready to use;
                          LastUpdate FAILED with the error; ROLLBACK_FAILED when even the rollback failed)
    DeleteEnvironment  -> DELETING -> DELETED (then the record is gone: GetEnvironment answers 404)
    scheduler dead for `unavailable_after` s: AVAILABLE -> UNAVAILABLE; alive again -> AVAILABLE

Every transition is published as the EventBridge status event. Slow work (installing, migrating, starting
Airflow) runs in a small thread pool, one job per environment at a time; a one-second tick handles PENDING
checks, DAG sync and scheduler liveness. Records are persisted, so a restarted service resumes where it was.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mwaa_local.mwaa import celery_workers, environment, events, provision
from mwaa_local.mwaa.autoscale import WorkerScaler
from mwaa_local.mwaa.database import Databases
from mwaa_local.mwaa.identity import client
from mwaa_local.mwaa.runtime import EnvRuntime
from mwaa_local.mwaa.settings import Settings
from mwaa_local.mwaa.store import Key, Record, Store, key_of

log = logging.getLogger(__name__)
TICK_SECONDS = 1.0
ENDPOINT_CHECK_SECONDS = 2.0
BUSY_STATUSES = {"CREATING", "UPDATING", "DELETING", "ROLLING_BACK", "CREATING_SNAPSHOT"}
# statuses whose Airflow processes run (UPDATE_FAILED: the update was rolled back, the environment is usable)
RUNNING_STATUSES = ("AVAILABLE", "UNAVAILABLE", "UPDATE_FAILED")


def _endpoint_reader(local: dict[str, Any]) -> Any:
    """An EC2 client in the account that owns the environment's VPC.

    In a shared VPC the endpoints are created by the VPC owner (participants cannot create them); MWAA sees the
    connections to its endpoint services from any account. The emulator has no such cross-account view, so the
    local MWAA reads them as the owner, through an emulator role session in the owner's account.
    """
    owner = local.get("vpc_owner")
    if not owner:
        return client("ec2", local["access_key_id"], local["region"])
    creds = client("sts", local["access_key_id"], local["region"]).assume_role(
        RoleArn=f"arn:aws:iam::{owner}:role/mwaa-local-endpoint-reader", RoleSessionName="local-mwaa")["Credentials"]
    return client("ec2", creds["AccessKeyId"], local["region"])


def customer_endpoints_ready(record: Record) -> bool:
    """True once the emulator's EC2 has the endpoints MWAA waits for in the environment's VPC."""
    local = record["_local"]
    services = [record["DatabaseVpcEndpointService"]]
    if record.get("WebserverVpcEndpointService"):
        services.append(record["WebserverVpcEndpointService"])
    filters = [{"Name": "service-name", "Values": services}]
    if local.get("vpc_id"):
        filters.append({"Name": "vpc-id", "Values": [local["vpc_id"]]})
    try:
        found = _endpoint_reader(local).describe_vpc_endpoints(Filters=filters)
    except (ClientError, BotoCoreError) as exc:
        log.warning("%s: cannot list VPC endpoints: %s", record["Name"], exc)
        return False
    live = {e["ServiceName"] for e in found["VpcEndpoints"]
            if e.get("State", "").lower() not in ("deleted", "deleting", "failed", "rejected")}
    return all(service in live for service in services)


class Controller:
    def __init__(self, settings: Settings, store: Store, databases: Databases) -> None:
        self.settings = settings
        self.store = store
        self.databases = databases
        self._pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="mwaa-job")
        self._busy: set[Key] = set()
        self._busy_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_sync: dict[Key, float] = {}
        self._last_endpoint_check: dict[Key, float] = {}
        self._dead_since: dict[Key, float] = {}
        self._status_locks: dict[Key, threading.Lock] = {}
        self.scaler = WorkerScaler(settings.worker_cooldown, settings.worker_graceful_timeout)

    # -- helpers -------------------------------------------------------------------------------------------
    def runtime(self, record: Record) -> EnvRuntime:
        return EnvRuntime(record, self.settings, self.databases)

    def runs_airflow(self, record: Record) -> bool:
        return environment.runtime_of(record) == "airflow"

    def _ensure_queue(self, key: Key, record: Record) -> Record:
        """A Celery environment's SQS queue in the emulator (created once; its URL kept in ``_local``)."""
        if not (self.runs_airflow(record) and celery_workers.uses_celery(record)):
            return record
        try:
            url = celery_workers.ensure_queue(record)
        except (ClientError, BotoCoreError) as exc:
            raise provision.ProvisionError("CELERY_QUEUE_CREATION_FAILED",
                                           f"creating SQS queue {celery_workers.queue_name(record)}: {exc}") from None
        if record["_local"].get("celery_queue_url") == url:
            return record
        updated = self.store.update(key, lambda r: r["_local"].__setitem__("celery_queue_url", url))
        return updated if updated is not None else record

    def _status_lock(self, key: Key) -> threading.Lock:
        """One lock per environment around "change the status, publish its event": events leave in the order
        the statuses were set (an UpdateEnvironment answered right after AVAILABLE became visible must not
        publish UPDATING before the creating thread has published AVAILABLE)."""
        with self._busy_lock:
            return self._status_locks.setdefault(key, threading.Lock())

    def transition(self, key: Key, status: str, change: Callable[[Record], None] | None = None) -> Record | None:
        """Set the status (plus ``change``) and publish the status event if the status changed."""
        previous: dict[str, str] = {}

        def apply(record: Record) -> None:
            previous["status"] = record["Status"]
            record["Status"] = status
            if change:
                change(record)

        with self._status_lock(key):
            record = self.store.update(key, apply)
            if record is not None and previous.get("status") != status:
                events.publish(record, previous.get("status"))
        return record

    def submit(self, key: Key, job: Callable[[Key], None]) -> bool:
        with self._busy_lock:
            if key in self._busy or self._stop.is_set():
                return False
            self._busy.add(key)

        def run() -> None:
            try:
                job(key)
            except Exception:
                log.exception("job %s for %s crashed", job.__name__, key)
            finally:
                with self._busy_lock:
                    self._busy.discard(key)

        self._pool.submit(run)
        return True

    def busy(self, key: Key) -> bool:
        with self._busy_lock:
            return key in self._busy

    @staticmethod
    def _finish(error: tuple[str, str] | None = None, **local: Any) -> Callable[[Record], None]:
        """Close LastUpdate: SUCCESS, or FAILED with ``error`` (code, message); extra ``_local`` fields."""

        def change(record: Record) -> None:
            last = record.setdefault("LastUpdate", {})
            last["Status"] = "FAILED" if error else "SUCCESS"
            if error:
                last["Error"] = {"ErrorCode": error[0], "ErrorMessage": error[1][:1024]}
            else:
                last.pop("Error", None)
            record["_local"].pop("pending_update", None)
            record["_local"].update(local)
        return change

    # -- API entry points ----------------------------------------------------------------------------------
    def created(self, record: Record) -> None:
        with self._status_lock(key_of(record)):
            events.publish(record, None)
        self.submit(key_of(record), self._create_job)

    def updating(self, key: Key, params: dict[str, Any], refs: environment.References, changed: set[str]) -> Record:
        def change(record: Record) -> None:
            record["_local"]["pending_update"] = {"saved": environment.snapshot(record), "changed": sorted(changed)}
            environment.apply_update(record, params, refs)
            # the strategy sticks until another update names one (the provider reads it from LastUpdate)
            strategy = params.get("WorkerReplacementStrategy") or record["LastUpdate"].get("WorkerReplacementStrategy")
            record["LastUpdate"] = {"Status": "PENDING", "CreatedAt": time.time()}
            if strategy:
                record["LastUpdate"]["WorkerReplacementStrategy"] = strategy

        record = self.transition(key, "UPDATING", change)
        assert record is not None
        self.submit(key, self._update_job)
        return record

    def deleting(self, key: Key) -> None:
        self.transition(key, "DELETING")
        self.submit(key, self._delete_job)

    # -- jobs ----------------------------------------------------------------------------------------------
    def _create_job(self, key: Key) -> None:
        record = self.store.get(key)
        if record is None or record["Status"] != "CREATING":
            return
        if record.get("EndpointManagement") == "CUSTOMER" and not record["_local"].get("endpoints_ready"):
            self.transition(key, "PENDING")
            return
        self._build_job(key)

    def _build_job(self, key: Key) -> None:
        record = self.store.get(key)
        if record is None:
            return
        started = time.monotonic()
        try:
            if self.runs_airflow(record):
                task_key = provision.task_credentials(record)
                if task_key:
                    record = self.store.update(key, lambda r: r["_local"].__setitem__("task_access_key_id", task_key))
                    assert record is not None
            else:
                time.sleep(self.settings.control_plane_delay)
            record = self._ensure_queue(key, record)
            provision.build(self.runtime(record), self.runs_airflow(record))
        except provision.ProvisionError as exc:
            log.warning("%s: create failed: %s", key, exc.message)
            self.transition(key, "CREATE_FAILED", self._finish((exc.code, exc.message)))
            return
        except Exception as exc:
            log.exception("%s: create failed", key)
            self.transition(key, "CREATE_FAILED", self._finish(("INTERNAL_ERROR", str(exc))))
            return
        seconds = round(time.monotonic() - started, 1)
        self.transition(key, "AVAILABLE", self._finish(startup_seconds=seconds))

    def _update_job(self, key: Key) -> None:
        record = self.store.get(key)
        if record is None or record["Status"] not in ("UPDATING", "ROLLING_BACK"):
            return
        pending = record["_local"].get("pending_update") or {"saved": environment.snapshot(record), "changed": []}
        changed = set(pending["changed"])
        run_airflow = self.runs_airflow(record)
        if record["Status"] == "UPDATING":
            try:
                if not run_airflow:
                    time.sleep(self.settings.control_plane_delay)
                record = self._ensure_queue(key, record)
                provision.reconfigure(self.runtime(record), changed, run_airflow,
                                      old_version=pending["saved"].get("AirflowVersion"))
            except Exception as exc:
                error = ((exc.code, exc.message) if isinstance(exc, provision.ProvisionError)
                         else ("INTERNAL_ERROR", str(exc)))
                log.warning("%s: update failed, rolling back: %s", key, error[1])
                self.transition(key, "ROLLING_BACK", lambda r: r["_local"].__setitem__("update_error", error))
            else:
                self.transition(key, "AVAILABLE", self._finish())
                return
        self._roll_back(key, pending, changed, run_airflow)

    def _roll_back(self, key: Key, pending: dict[str, Any], changed: set[str], run_airflow: bool) -> None:
        def restore(record: Record) -> None:
            environment.restore(record, pending["saved"])

        record = self.store.update(key, restore)
        if record is None:
            return
        error = tuple(record["_local"].pop("update_error", None) or ("INTERNAL_ERROR", "update failed"))
        try:
            provision.reconfigure(self.runtime(record), changed, run_airflow, rolling_back=True)
        except Exception as exc:
            log.exception("%s: rollback failed", key)
            self.transition(key, "UPDATE_FAILED", self._finish(("ROLLBACK_FAILED", str(exc))))
            return
        # MWAA: UPDATE_FAILED = the update failed and the environment rolled back and is ready to use
        self.transition(key, "UPDATE_FAILED", self._finish((str(error[0]), str(error[1]))))

    def _delete_job(self, key: Key) -> None:
        record = self.store.get(key)
        if record is None:
            return
        if not self.runs_airflow(record):
            time.sleep(self.settings.control_plane_delay)
        self.runtime(record).destroy()
        try:
            celery_workers.delete_queue(record)
        except (ClientError, BotoCoreError) as exc:
            log.warning("%s: Celery queue not deleted: %s", key, exc)
        # DELETED is never visible through GetEnvironment (the provider waits for "not found"): the record
        # goes first, then the event announces the final status.
        with self._status_lock(key):
            self.store.delete(key)
            events.publish({**record, "Status": "DELETED"}, record["Status"])
        self._forget(key)

    def _restart_job(self, key: Key) -> None:
        """Bring a running-status environment's processes back (service restart, restart-scheduler)."""
        record = self.store.get(key)
        if record is None or not self.runs_airflow(record):
            return
        try:
            record = self._ensure_queue(key, record)
            provision.sync_dags(self.runtime(record))
            provision.start(self.runtime(record))
        except Exception as exc:
            log.warning("%s: restart failed: %s", key, exc)
            self.transition(key, "UNAVAILABLE")
            return
        self._dead_since.pop(key, None)
        self.transition(key, "UPDATE_FAILED" if record["Status"] == "UPDATE_FAILED" else "AVAILABLE")

    def _sync_job(self, key: Key) -> None:
        record = self.store.get(key)
        if record is None:
            return
        try:
            result = provision.sync_dags(self.runtime(record))
            if result.downloaded or result.removed:
                log.info("%s: DAG sync +%d -%d (%d files)", key, result.downloaded, result.removed, result.files)
        except (ClientError, BotoCoreError, OSError) as exc:
            log.warning("%s: DAG sync failed: %s", key, exc)

    # -- the worker ----------------------------------------------------------------------------------------
    def start(self) -> None:
        self.recover()
        self._thread = threading.Thread(target=self._loop, name="mwaa-lifecycle", daemon=True)
        self._thread.start()

    def _world_lost(self, record: Record) -> bool:
        """True when the emulator no longer has the environment's source bucket (a restarted, in-memory
        emulator): the environment's whole world is gone, so the record is purged instead of resumed."""
        local = record["_local"]
        bucket = record["SourceBucketArn"].split(":::", 1)[-1]
        try:
            client("s3", local["access_key_id"], local["region"]).head_bucket(Bucket=bucket)
        except ClientError as exc:
            return str(exc.response.get("Error", {}).get("Code")) in ("404", "NoSuchBucket")
        except BotoCoreError:
            return False  # emulator unreachable: keep everything
        return False

    def _resumable(self, status: str) -> Callable[[Key], None] | None:
        return {"CREATING": self._create_job, "UPDATING": self._update_job, "ROLLING_BACK": self._update_job,
                "DELETING": self._delete_job}.get(status)

    def recover(self) -> None:
        for record in self.store.all():
            key, status = key_of(record), record["Status"]
            if self._world_lost(record):
                log.warning("%s: purged: the emulator no longer has its source bucket (emulator restarted?)", key)
                self.runtime(record).destroy()
                self.store.delete(key)
                continue
            resume = self._resumable(status)
            if resume is not None:
                self.submit(key, resume)
            elif status in RUNNING_STATUSES and self.runs_airflow(record):
                self.submit(key, self._restart_job)

    def _loop(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            try:
                self.tick()
            except Exception:
                log.exception("lifecycle tick failed")

    def tick(self) -> None:
        now = time.monotonic()
        for record in self.store.all():
            key = key_of(record)
            if self.busy(key):
                continue
            status = record["Status"]
            resume = self._resumable(status)
            if resume is not None:  # a job that could not be queued earlier (another one was running)
                self.submit(key, resume)
            elif status == "PENDING":
                if now - self._last_endpoint_check.get(key, 0) >= ENDPOINT_CHECK_SECONDS:
                    self._last_endpoint_check[key] = now
                    if customer_endpoints_ready(record):
                        self.transition(key, "CREATING", lambda r: r["_local"].__setitem__("endpoints_ready", True))
                        self.submit(key, self._build_job)
            elif status in RUNNING_STATUSES and self.runs_airflow(record):
                self._watch(key, record, status, now)

    def _watch(self, key: Key, record: Record, status: str, now: float) -> None:
        rt = self.runtime(record)
        if rt.alive("scheduler"):
            self._dead_since.pop(key, None)
            if status == "UNAVAILABLE":
                self.transition(key, "AVAILABLE")
            if now - self._last_sync.get(key, 0) >= self.settings.dag_sync_period:
                self._last_sync[key] = now
                self.submit(key, self._sync_job)
            if rt.celery:
                self.scaler.check(rt, now)
            return
        dead_since = self._dead_since.setdefault(key, now)
        limit = self.settings.unavailable_after
        if status == "AVAILABLE" and limit > 0 and now - dead_since >= limit:
            self.transition(key, "UNAVAILABLE")

    def _forget(self, key: Key) -> None:
        for table in (self._last_sync, self._last_endpoint_check, self._dead_since):
            table.pop(key, None)
        self.scaler.forget(key)
        with self._busy_lock:
            self._status_locks.pop(key, None)

    def stop(self) -> None:
        """Stop the worker and every Airflow process of every environment (records stay for the next start)."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)
        threads = [threading.Thread(target=self.runtime(r).stop) for r in self.store.all()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # -- debugging hooks (the admin endpoints) -------------------------------------------------------------
    def kill_scheduler(self, key: Key) -> bool:
        record = self.store.get(key)
        return bool(record) and self.runtime(record).kill("scheduler")  # type: ignore[arg-type]

    def kill_region(self, key: Key) -> list[str]:
        """A regional failure: SIGKILL of every compute component, the scheduler first (so no worker is replaced),
        then the Celery workers (the tasks running on them die with them; what waits in SQS stays there), the
        triggerer and the DAG processor. The web server stays, as the MWAA API does for the fencing step.
        Returns the components that were running."""
        record = self.store.get(key)
        if not record:
            return []
        rt = self.runtime(record)
        killed = ["scheduler"] if rt.kill("scheduler") else []
        others = [*celery_workers.workers(rt), "triggerer", "dag-processor"]
        killed += [c for c in others if rt.kill(c)]
        return killed

    def restart(self, key: Key) -> bool:
        return self.submit(key, self._restart_job)
