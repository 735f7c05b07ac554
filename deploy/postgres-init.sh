#!/usr/bin/env bash
# Creates the two databases of a govnews deployment on one PostgreSQL server:
#   airflow   Airflow's metadata, owned by the role airflow
#   govnews   the articles, owned by the role govnews
# The postgres image runs this once, on the first start with an empty data volume
# (/docker-entrypoint-initdb.d). To re-run it, remove the volume: docker compose down -v.
#
# Names and passwords come from the environment (docker-compose.yml passes them from .env).
# psql connects as $POSTGRES_USER through the image's local socket; set PGHOST/PGPORT to aim it
# at another server (the tests run it against one on 127.0.0.1).
set -euo pipefail

: "${AIRFLOW_DB_PASSWORD:?set AIRFLOW_DB_PASSWORD (see .env.example)}"
: "${GOVNEWS_DB_PASSWORD:?set GOVNEWS_DB_PASSWORD (see .env.example)}"

create_database() {  # create_database NAME OWNER PASSWORD: a login role and a database it owns
  psql --no-psqlrc -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" \
    --dbname "${POSTGRES_DB:-postgres}" \
    -v db="$1" -v owner="$2" -v password="$3" <<'SQL'
CREATE ROLE :"owner" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"owner" ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
SQL
  echo "postgres-init: database $1 owned by $2 is ready"
}

create_database "${AIRFLOW_DB_NAME:-airflow}" "${AIRFLOW_DB_USER:-airflow}" "$AIRFLOW_DB_PASSWORD"
create_database "${GOVNEWS_DB_NAME:-govnews}" "${GOVNEWS_DB_USER:-govnews}" "$GOVNEWS_DB_PASSWORD"
