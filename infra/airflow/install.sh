#!/usr/bin/env bash
# Build .venv-airflow: Apache Airflow (requirements.txt, locked by constraints.txt) plus the
# platform package itself, so DAG tasks import and call the jobs directly. Airflow gets its own
# environment so that its many dependencies can never change the project's .venv.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/infra/airflow"
VENV="$ROOT/.venv-airflow"
PYTHON="${PYTHON:-python3}"

"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required for Airflow (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'

started=$(date +%s)
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
# One resolution for Airflow and the platform: a pin of pyproject.toml that clashes with the
# Airflow lock fails here, loudly, instead of giving a half-working environment.
"$VENV/bin/pip" install --quiet -r "$HERE/requirements.txt" -c "$HERE/constraints.txt" -e "$ROOT[ml]"
"$VENV/bin/pip" check
touch "$VENV/.installed"
echo "Airflow environment ready in $VENV ($(du -sh "$VENV" | cut -f1), $(( $(date +%s) - started )) s)"
