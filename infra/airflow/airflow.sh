#!/usr/bin/env bash
# The `airflow` command line of the local Airflow started by start.sh, with the same settings,
# e.g.  infra/airflow/airflow.sh dags list   or   infra/airflow/airflow.sh dags trigger platform_daily_batch
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PORT_FILE="$ROOT/.state/airflow/api-server.port"
[ -x "$ROOT/.venv-airflow/bin/airflow" ] || { echo "error: .venv-airflow is missing: run make airflow first"; exit 1; }
AIRFLOW_API_PORT=$(cat "$PORT_FILE" 2>/dev/null || echo 8080)
# shellcheck source=infra/airflow/env.sh
source "$ROOT/infra/airflow/env.sh"
exec "$ROOT/.venv-airflow/bin/airflow" "$@"
