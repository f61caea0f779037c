#!/usr/bin/env bash
# Stop the Airflow started by start.sh: interrupt `airflow standalone` (it stops its components),
# then terminate whatever is left of its process group.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PID_FILE="$ROOT/.state/airflow/standalone.pid"

if [ ! -f "$PID_FILE" ] || ! kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
    echo "Airflow is not running"
    rm -f "$PID_FILE"
    exit 0
fi

pid=$(cat "$PID_FILE")  # started with setsid: also the id of its process group
kill -INT "$pid"
for _ in $(seq 30); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
done
kill -TERM -- "-$pid" 2>/dev/null || true
for _ in $(seq 10); do
    kill -0 -- "-$pid" 2>/dev/null || break
    sleep 1
done
kill -KILL -- "-$pid" 2>/dev/null || true
rm -f "$PID_FILE"
echo "Airflow stopped"
