#!/usr/bin/env bash
# Start a local Apache Airflow for the platform's DAGs, without Docker: the scheduler (with its
# LocalExecutor), the DAG processor, the triggerer and the API server + UI, each in the
# background with a pid file and a log, the UI bound to 127.0.0.1 only.
#
# State lives in .state/airflow (AIRFLOW_HOME: SQLite metadata database, task logs, pid files,
# component logs). The admin password is generated once, stored in the simple auth manager's
# password file there, and printed only when it is created. Knobs: AIRFLOW_PORT (default: the
# first free port from 8080), RTDP_ENV (platform environment when the Airflow Variable rtdp_env
# is not set), SCALE (transactions generated for the local environment when it has no raw data).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv-airflow"
COMPONENTS=(scheduler dag-processor triggerer api-server)
STATE="$ROOT/.state/airflow"
START_TIMEOUT=${AIRFLOW_START_TIMEOUT:-300}

[ -x "$VENV/bin/airflow" ] || { echo "error: $VENV is missing: run infra/airflow/install.sh first (make airflow does)"; exit 1; }
mkdir -p "$STATE"

for component in "${COMPONENTS[@]}"; do
    if [ -f "$STATE/$component.pid" ] && kill -0 "$(cat "$STATE/$component.pid")" 2>/dev/null; then
        echo "Airflow is already running: http://127.0.0.1:$(cat "$STATE/api-server.port")  (stop: infra/airflow/stop.sh)"
        exit 0
    fi
done

port_is_free() {
    "$VENV/bin/python" -c 'import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)' "$1"
}
PORT=${AIRFLOW_PORT:-8080}
if [ -z "${AIRFLOW_PORT:-}" ]; then
    while ! port_is_free "$PORT"; do
        PORT=$((PORT + 1))
        [ "$PORT" -le 8099 ] || { echo "error: no free port between 8080 and 8099 on 127.0.0.1; set AIRFLOW_PORT"; exit 1; }
    done
elif ! port_is_free "$PORT"; then
    echo "error: port $PORT on 127.0.0.1 is taken; choose another AIRFLOW_PORT"; exit 1
fi

AIRFLOW_API_PORT=$PORT
# shellcheck source=infra/airflow/env.sh
source "$ROOT/infra/airflow/env.sh"

PASSWORD_FILE="$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"
new_password=""
if [ ! -s "$PASSWORD_FILE" ]; then
    new_password=$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(18))')
    (umask 077 && printf '{"admin": "%s"}\n' "$new_password" > "$PASSWORD_FILE")
fi

# The daily batch reads the raw landing data; give a fresh local checkout some to read.
if "$VENV/bin/python" -c 'import sys
from jobs import storage
from jobs.config import load_settings
settings = load_settings()
missing = not storage.exists(settings, storage.join(settings.layer_uri("raw"), "transactions.csv"))
sys.exit(0 if settings.env == "local" and missing else 1)'; then
    echo "No raw data yet for the local environment: generating ${SCALE:-100000} transactions"
    "$VENV/bin/rtdp" generate --env local --scale "${SCALE:-100000}"
fi

echo "Preparing the Airflow metadata database ..."
"$VENV/bin/airflow" db migrate > "$AIRFLOW_HOME/db-migrate.log" 2>&1 \
    || { echo "error: airflow db migrate failed; see .state/airflow/db-migrate.log"; exit 1; }

cd "$AIRFLOW_HOME"
for component in "${COMPONENTS[@]}"; do
    args=("$component")
    # Task logs are local files the API server reads itself; no log server on a public interface.
    case "$component" in scheduler | triggerer) args+=(--skip-serve-logs) ;; esac
    setsid nohup "$VENV/bin/airflow" "${args[@]}" > "$AIRFLOW_HOME/$component.log" 2>&1 < /dev/null &
    echo $! > "$AIRFLOW_HOME/$component.pid"
done
echo "$PORT" > "$AIRFLOW_HOME/api-server.port"

echo "Starting the scheduler, DAG processor, triggerer and API server (logs in .state/airflow/) ..."
health="http://127.0.0.1:$PORT/api/v2/monitor/health"
deadline=$((SECONDS + START_TIMEOUT))
until "$VENV/bin/python" -c 'import json, sys, urllib.request
status = json.load(urllib.request.urlopen(sys.argv[1], timeout=5))
sys.exit(any(part.get("status") != "healthy" for part in status.values()))' "$health" 2>/dev/null; do
    for component in "${COMPONENTS[@]}"; do
        if ! kill -0 "$(cat "$AIRFLOW_HOME/$component.pid")" 2>/dev/null; then
            echo "error: the Airflow $component stopped while starting; the end of its log:"
            tail -n 30 "$AIRFLOW_HOME/$component.log"
            "$ROOT/infra/airflow/stop.sh" > /dev/null
            exit 1
        fi
    done
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "error: Airflow not healthy after ${START_TIMEOUT}s at $health; see the logs in .state/airflow/"; exit 1
    fi
    sleep 3
done

echo "Airflow is up: http://127.0.0.1:$PORT"
if [ -n "$new_password" ]; then
    echo "Login: admin / $new_password   (shown this once; kept in .state/airflow/$(basename "$PASSWORD_FILE"))"
else
    echo "Login: admin, password in .state/airflow/$(basename "$PASSWORD_FILE")"
fi
echo "Stop it with: infra/airflow/stop.sh"
