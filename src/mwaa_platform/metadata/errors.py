"""Errors of the metadata engine: each one says what is wrong and what to do about it."""

from __future__ import annotations


class MetadataError(RuntimeError):
    """Base class: a refusal or failure the caller can act on (the CLI prints it without a traceback)."""


class ConfigurationError(MetadataError):
    """A required setting (database, Fernet key, KMS key, bucket) is missing or malformed."""


class SnapshotNotFoundError(MetadataError):
    """No snapshot with that id under the prefix."""


class IncompleteSnapshotError(MetadataError):
    """The snapshot has no manifest, or an object it lists is missing or has the wrong size/checksum."""


class SchemaMismatchError(MetadataError):
    """The target database's schema differs from the snapshot's (different Airflow version/migration)."""


class RestoreFailedError(MetadataError):
    """The restore transaction was rolled back; the target database is unchanged."""
