#!/usr/bin/env bash
# Start a local Apache Airflow for the platform's DAGs, without Docker: `airflow standalone`
# (scheduler, DAG processor, triggerer, API server + UI) in the background, bound to 127.0.0.1.
#
# State lives in .state/airflow (AIRFLOW_HOME: SQLite metadata database, logs, pid file). The
# admin password is generated once, stored in the simple auth manager's password file there, and
# printed only when it is created. Environment knobs: AIRFLOW_PORT (first free port from 8080),
# RTDP_ENV (platform environment when the Airflow Variable rtdp_env is not set), SCALE (raw data
# generated for the local environment when there is none yet).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv-airflow"
export AIRFLOW_HOME="$ROOT/.state/airflow"
PID_FILE="$AIRFLOW_HOME/standalone.pid"
PORT_FILE="$AIRFLOW_HOME/standalone.port"
LOG_FILE="$AIRFLOW_HOME/standalone.log"
PASSWORD_FILE="$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"
START_TIMEOUT=${AIRFLOW_START_TIMEOUT:-300}

[ -x "$VENV/bin/airflow" ] || { echo "error: $VENV is missing: run infra/airflow/install.sh first (make airflow does)"; exit 1; }
mkdir -p "$AIRFLOW_HOME"

if [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
    echo "Airflow is already running: http://127.0.0.1:$(cat "$PORT_FILE")  (stop it with infra/airflow/stop.sh)"
    exit 0
fi

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

export PATH="$VENV/bin:$PATH"  # standalone starts its components as `airflow <component>`
export AIRFLOW__CORE__DAGS_FOLDER="$ROOT/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__API__HOST=127.0.0.1
export AIRFLOW__API__PORT="$PORT"
export AIRFLOW__API__BASE_URL="http://127.0.0.1:$PORT"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$PORT/execution/"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="$PASSWORD_FILE"
# Relative paths of the platform settings (data/..., the warehouse) resolve against the project.
export RTDP_HOME="${RTDP_HOME:-$ROOT}"

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

cd "$AIRFLOW_HOME"
setsid nohup "$VENV/bin/airflow" standalone > "$LOG_FILE" 2>&1 < /dev/null &
echo $! > "$PID_FILE"
echo "$PORT" > "$PORT_FILE"

echo "Starting Airflow (log: ${LOG_FILE#"$ROOT"/}) ..."
health="http://127.0.0.1:$PORT/api/v2/monitor/health"
deadline=$((SECONDS + START_TIMEOUT))
until "$VENV/bin/python" -c 'import json, sys, urllib.request
status = json.load(urllib.request.urlopen(sys.argv[1], timeout=5))
sys.exit(any(part.get("status") != "healthy" for part in status.values()))' "$health" 2>/dev/null; do
    if ! kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
        echo "error: Airflow stopped while starting; the end of its log:"; tail -n 30 "$LOG_FILE"; rm -f "$PID_FILE"; exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "error: Airflow not healthy after ${START_TIMEOUT}s at $health; see $LOG_FILE"; exit 1
    fi
    sleep 3
done

echo "Airflow is up: http://127.0.0.1:$PORT"
if [ -n "$new_password" ]; then
    echo "Login: admin / $new_password   (shown this once; kept in ${PASSWORD_FILE#"$ROOT"/})"
else
    echo "Login: admin, password in ${PASSWORD_FILE#"$ROOT"/}"
fi
echo "Stop it with: infra/airflow/stop.sh"
