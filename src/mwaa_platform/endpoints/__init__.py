"""Customer-managed VPC endpoint automation for MWAA (the PENDING handler).

When an environment with ``EndpointManagement = CUSTOMER`` is created, MWAA stops in ``PENDING`` until
somebody creates interface endpoints to its database (and, for ``PRIVATE_ONLY``, webserver) endpoint
services in the environment's VPC. This package does that from the ``MWAA Environment Status Change``
event, admits the environment's Celery queue into a restrictive SQS endpoint policy, and removes what it
created when the environment is ``DELETED``.

Modules: :mod:`events` (validate the event, no AWS calls), :mod:`vpc_endpoints` (EC2 lookups and
changes), :mod:`sqs_policy` (endpoint-policy edits), :mod:`reconcile` (the two flows), :mod:`retry`
(backoff), :mod:`handler` (the Lambda entry point) and :mod:`cli` (the same flows by hand).
Only the standard library, boto3 and :mod:`mwaa_platform.aws` are imported, so the Lambda zip needs no
third-party packages.
"""
