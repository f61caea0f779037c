#!/usr/bin/env bash
# Stop the Airflow components started by start.sh: SIGTERM to each component (it stops its own
# workers), then SIGKILL to whatever is left of its process group after 30 s (each component was
# started with setsid, so its pid is also its process group id).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="$ROOT/.state/airflow"
COMPONENTS=(api-server triggerer dag-processor scheduler)

running=()
for component in "${COMPONENTS[@]}"; do
    pid_file="$STATE/$component.pid"
    if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
        kill -TERM "$(cat "$pid_file")" 2>/dev/null || true
        running+=("$(cat "$pid_file")")
    fi
    rm -f "$pid_file"
done
if [ ${#running[@]} -eq 0 ]; then
    echo "Airflow is not running"
    exit 0
fi

for _ in $(seq 30); do
    alive=0
    for pid in "${running[@]}"; do
        kill -0 -- "-$pid" 2>/dev/null && alive=1
    done
    [ "$alive" -eq 0 ] && break
    sleep 1
done
for pid in "${running[@]}"; do
    kill -KILL -- "-$pid" 2>/dev/null || true
done
echo "Airflow stopped"
