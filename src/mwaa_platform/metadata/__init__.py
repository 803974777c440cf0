"""Airflow metadata backup and restore: consistent, streamed, encrypted, immutable, idempotent.

Entry points: :func:`mwaa_platform.metadata.backup.backup`, :func:`mwaa_platform.metadata.restore.restore`,
:mod:`mwaa_platform.metadata.catalog` (list/verify/prune) and the CLI group in :mod:`.cli`.
Design and operations: ``README.md`` next to this file.
"""
