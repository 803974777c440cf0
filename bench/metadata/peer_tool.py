"""peer-bench tool under test: ``mwaa-platform metadata backup|restore`` (the real CLI command, in-process).

The kit calls ``TOOL_BACKUP`` / ``TOOL_RESTORE`` with the database URL and Fernet key of one environment in
AIRFLOW__DATABASE__SQL_ALCHEMY_CONN / AIRFLOW__CORE__FERNET_KEY and S3 at s3://$BUCKET/$PREFIX/. This
wrapper only adds what the bench needs and the product must not contain:

* a KMS key for the secrets envelope, created in the kit's moto (alias/peer-bench-dr) if missing;
* for edge-race, the kit's $RACE_SQL run on the source database right after the snapshot opens, through
  the CLI's generic ``on_snapshot_open`` hook (product code never sees RACE_SQL).

    python peer_tool.py backup|restore [extra CLI options]
"""

from __future__ import annotations

import os
import sys
from typing import Any

import boto3
import psycopg2

from mwaa_platform.metadata import cli, dbconn

ALIAS = "alias/peer-bench-dr"


def kms_key() -> str:
    kms = boto3.client("kms")
    for alias in kms.list_aliases()["Aliases"]:
        if alias["AliasName"] == ALIAS and alias.get("TargetKeyId"):
            return str(alias["TargetKeyId"])
    key = kms.create_key(Description="peer-bench DR secrets key")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=ALIAS, TargetKeyId=key)
    return str(key)


def race_hook() -> Any:
    sql = os.environ.get("RACE_SQL")
    if not sql:
        return None

    def run(_snapshot: dict[str, Any]) -> None:
        conn = psycopg2.connect(dbconn.to_libpq(dbconn.resolve_db_url()))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql)
        conn.close()
        print("bench: RACE_SQL executed after the snapshot opened", file=sys.stderr)

    return run


def main() -> None:
    mode, extra = sys.argv[1], sys.argv[2:]
    url = f"s3://{os.environ['BUCKET']}/{os.environ['PREFIX']}"
    if mode == "backup":
        args = ["backup", "--to", url, "--kms-key-id", kms_key(), *extra]
    elif mode == "restore":
        args = ["restore", "--from", url, "latest", *extra]
    else:
        raise SystemExit("usage: peer_tool.py backup|restore [options]")
    cli.group.main(args, prog_name="mwaa-platform metadata", obj={"on_snapshot_open": race_hook()})


if __name__ == "__main__":
    main()
