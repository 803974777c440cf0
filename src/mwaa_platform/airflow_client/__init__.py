"""The one Airflow REST client of the project: typed errors, the transport interface, MWAA InvokeRestApi.

Shared by the Lambda packages that drive Airflow (``airflow_api``: invokers and CLI; ``failover``: the DR
steps and health checks), so it imports only boto3 and the shared root modules (``aws``), and every zip
that needs it carries it (``packaging.CARRIES``). HTTP transports that need ``requests`` stay in
``airflow_api``.
"""
