#!/bin/sh
# MWAA startup script: MWAA runs it on every Airflow component before Airflow starts (5-minute limit)
# and keeps the variables it exports. MWAA_AIRFLOW_COMPONENT says which component this is.
# No `set -e`: a failing optional step must not stop the component from starting.

echo "startup.sh: component=${MWAA_AIRFLOW_COMPONENT:-unknown} airflow=${AIRFLOW_VERSION:-unknown}"

# Shared by every component: values DAGs and plugins read with os.environ.
export ENVIRONMENT_STAGE="${ENVIRONMENT_STAGE:-dev}"
export PLATFORM_DATA_BUCKET="${PLATFORM_DATA_BUCKET:-}"
# dag-factory (dags/dag_factory) phones home on every DAG run unless told not to.
export DO_NOT_TRACK=1

install_os_packages() {
  # Only on MWAA's Amazon Linux image; locally (no yum/dnf, no sudo) this is skipped.
  if command -v sudo >/dev/null 2>&1 && command -v yum >/dev/null 2>&1; then
    sudo yum -y -q install libaio >/dev/null 2>&1 || echo "startup.sh: libaio install failed (continuing)"
  fi
}

case "${MWAA_AIRFLOW_COMPONENT:-}" in
  worker)
    # Tasks run here: native libraries for drivers, and verbose AWS SDK retries for task logs.
    install_os_packages
    export AWS_RETRY_MODE=standard
    export AWS_MAX_ATTEMPTS=5
    export PLATFORM_COMPONENT_ROLE="tasks"
    ;;
  scheduler | dag-processor)
    # Parses DAGs: keep imports quick; the same libraries as workers so top-level imports match.
    install_os_packages
    export PLATFORM_COMPONENT_ROLE="scheduling"
    ;;
  webserver | api-server)
    # Serves the UI and REST API only: skip package installs so web servers start (and scale) fast.
    export PLATFORM_COMPONENT_ROLE="web"
    ;;
  *)
    # Not on MWAA (local runs, tests): change nothing beyond the shared exports.
    export PLATFORM_COMPONENT_ROLE="local"
    ;;
esac
