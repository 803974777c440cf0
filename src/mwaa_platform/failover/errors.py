"""Failover errors. Each names what was refused and what the operator can do about it."""

from __future__ import annotations


class FailoverError(Exception):
    """Base class; ``code`` is what the state machine's Catch and the state table record."""

    code = "FailoverError"


class ConfigError(FailoverError):
    """The failover configuration is malformed (nothing was touched)."""

    code = "ConfigError"


class RefusedError(FailoverError):
    """A step refused to run (precondition not met); nothing was changed by it."""

    code = "StepRefused"


class LeaseHeldError(RefusedError):
    """Another execution holds the failover lease."""

    code = "LeaseHeldError"


class LeaseLostError(RefusedError):
    """This execution no longer holds the lease (it expired and another execution took over)."""

    code = "LeaseLostError"


class StepFailedError(FailoverError):
    """A step ran and failed; the state table records the error and a resume retries this step."""

    code = "StepFailedError"


class EnvironmentFailedError(StepFailedError):
    """The target MWAA environment could not be created or reached AVAILABLE."""

    code = "EnvironmentFailedError"


class StepTimeoutError(StepFailedError):
    """A polling step ran out of time."""

    code = "StepTimeoutError"


class RestoreFailedError(StepFailedError):
    """The metadata restore DAG run failed."""

    code = "RestoreFailedError"


class VerificationFailedError(StepFailedError):
    """The target environment failed post-failover verification."""

    code = "VerificationFailedError"


class FencingFailedError(StepFailedError):
    """The old active environment could not be fenced and the configuration requires fencing."""

    code = "FencingFailedError"
