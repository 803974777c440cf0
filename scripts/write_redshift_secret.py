#!/usr/bin/env python3
"""Write the Airflow Redshift connection URI into Secrets Manager from Terraform outputs.

    scripts/write_redshift_secret.py --terraform-dir terraform/<stack>
    terraform output -json > out.json && scripts/write_redshift_secret.py --outputs-file out.json

Reads the Redshift-managed admin secret (redshift_admin_secret_arn), builds redshift://user:pass@host:port/db
and puts it into redshift_connection_secret_arn (the MWAA secrets backend's airflow/connections/<id>) only if
it changed. The password is never printed. Exit 2 on malformed input (nothing written), 1 on AWS errors.
"""

from __future__ import annotations

from mwaa_platform.crossaccount.cli import write_redshift_secret

if __name__ == "__main__":
    write_redshift_secret()
