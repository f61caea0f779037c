# Sourced by start.sh and airflow.sh: the configuration of the local Airflow, as environment
# variables (they win over .state/airflow/airflow.cfg). Needs ROOT (the project folder) and
# AIRFLOW_API_PORT (the API server's port) to be set.

export AIRFLOW_HOME="$ROOT/.state/airflow"
export AIRFLOW__CORE__DAGS_FOLDER="$ROOT/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__EXECUTOR=LocalExecutor
export AIRFLOW__API__HOST=127.0.0.1
export AIRFLOW__API__PORT="$AIRFLOW_API_PORT"
export AIRFLOW__API__BASE_URL="http://127.0.0.1:$AIRFLOW_API_PORT"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$AIRFLOW_API_PORT/execution/"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"
# Relative paths of the platform settings (data/..., the warehouse) resolve against the project.
export RTDP_HOME="${RTDP_HOME:-$ROOT}"
