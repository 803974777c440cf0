"""Airflow version upgrades of an MWAA environment: check, rehearse, execute (in place or blue-green), resume,
rollback, status. ``mwaa-platform upgrade ...``; design and measurements in README.md next to this file."""
