"""A local MWAA service (mwaa_local.mwaa) with one Airflow 2.10.3 and one 3.0.6 environment, whose
DAG folder holds tests/airflow_api/dags. ``kick_off`` returns once CreateEnvironment was accepted;
``ready`` waits (bounded) for AVAILABLE; ``stop`` deletes the environments and stops the service."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from mwaa_local import ports
from mwaa_local.emulator import Emulator
from mwaa_local.mwaa import mwaa_env
from mwaa_local.mwaa.launcher import LocalMwaa
from mwaa_local.postgres import Cluster

DAG_FILE = Path(__file__).parent / "dags" / "api_smoke.py"
VERSIONS = ("2.10.3", "3.0.6")
AVAILABLE_TIMEOUT = 420.0


class LocalMwaaEnvs:
    def __init__(self, emulator: Emulator, postgres: Cluster, root: Path) -> None:
        self.service = LocalMwaa(pg_port=postgres.port, pg_root=postgres.root, emulator_env=emulator.env("us-east-1"),
                                 port=ports.free_port(), root=root,
                                 options={"default_runtime": "none", "control_plane_delay": 0.5,
                                          "dag_sync_period": 3})
        suffix = uuid.uuid4().hex[:6]
        self.prefix = f"h7{suffix}"
        self.names = {version: f"api{version[0]}-{suffix}" for version in VERSIONS}
        self.env = {**emulator.env("us-east-1"), **mwaa_env(self.service.port)}
        self.error: BaseException | None = None
        self._ready = False
        self._started = False

    @contextmanager
    def _environ(self) -> Iterator[None]:
        saved = dict(os.environ)
        for key in [k for k in os.environ if k.startswith("AWS_")]:
            del os.environ[key]
        os.environ.update(self.env)
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def _infra(self) -> dict[str, Any]:
        ec2, iam, s3 = boto3.client("ec2"), boto3.client("iam"), boto3.client("s3")
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-east-1{az}")
                   ["Subnet"]["SubnetId"] for i, az in enumerate("ab")]
        group = ec2.create_security_group(GroupName=f"{self.prefix}-sg", Description="mwaa", VpcId=vpc)["GroupId"]
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                         "Principal": {"Service": "airflow.amazonaws.com"}}]}
        role = iam.create_role(RoleName=f"{self.prefix}-exec",
                               AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        bucket = f"{self.prefix}-src"
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_object(Bucket=bucket, Key="dags/api_smoke.py", Body=DAG_FILE.read_bytes())
        return {"ExecutionRoleArn": role, "SourceBucketArn": f"arn:aws:s3:::{bucket}", "DagS3Path": "dags",
                "NetworkConfiguration": {"SubnetIds": subnets, "SecurityGroupIds": [group]}}

    def kick_off(self) -> None:
        try:
            self.service.start()
            self._started = True
            with self._environ():
                params = self._infra()
                mwaa = boto3.client("mwaa")
                for version, name in self.names.items():
                    mwaa.create_environment(Name=name, AirflowVersion=version,
                                            Tags={"mwaa-local:runtime": "airflow"}, **params)
        except Exception as exc:  # reported by ready(), in the tests that need the local MWAA
            self.error = exc

    def ready(self) -> dict[str, str]:
        if self.error is not None:
            raise RuntimeError(f"local MWAA could not be started: {self.error!r}") from self.error
        if not self._ready:
            with self._environ():
                mwaa = boto3.client("mwaa")
                deadline = time.monotonic() + AVAILABLE_TIMEOUT
                for name in self.names.values():
                    while (status := mwaa.get_environment(Name=name)["Environment"]["Status"]) != "AVAILABLE":
                        if status != "CREATING" or time.monotonic() > deadline:
                            self.error = RuntimeError(f"{name} is {status}")
                            raise self.error
                        time.sleep(1)
            self._ready = True
        return self.names

    def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        with self._environ():
            mwaa = boto3.client("mwaa")
            for name in self.names.values():
                try:
                    mwaa.delete_environment(Name=name)
                except ClientError:
                    continue
        self.service.stop()
