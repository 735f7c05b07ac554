#!/usr/bin/env bash
# One-shot preparation of a deployment, run by the airflow-init service on every
# `docker compose up` (and safe to run by hand any number of times):
#   1. migrate Airflow's metadata database (nothing else in Airflow works before this);
#   2. write the UI password from AIRFLOW_ADMIN_PASSWORD into SimpleAuthManager's password file and
#      check that a CeleryExecutor can reach its broker (deploy/airflow_init.py);
#   3. create or upgrade the articles schema when GOVNEWS_DATABASE_URL is set.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

airflow db migrate
echo "airflow-init: metadata database migrated"
python "$here/airflow_init.py"
if [[ -n ${GOVNEWS_DATABASE_URL:-} ]]; then
  govnews db upgrade
fi
