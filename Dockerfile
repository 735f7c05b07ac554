# The govnews Airflow image: the official Airflow image plus the govnews project and its DAGs.
# Build with `docker compose build` (see docker-compose.yml and the README's deployment section).
FROM apache/airflow:3.3.2-python3.11

# The project lives at /opt/govnews and is installed editable: the replay DAG reads the seed
# fixtures from seeds/ beside the pipeline package, which a site-packages install would not have.
ENV GOVNEWS_HOME=/opt/govnews \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/govnews/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False

USER root
# /opt/airflow/auth holds SimpleAuthManager's password file on a named volume; creating it here
# gives the empty volume the airflow user as owner.
RUN install -d -o airflow -g root -m 0775 /opt/govnews \
 && install -d -o airflow -g root -m 0770 /opt/airflow/auth
USER airflow

WORKDIR /opt/govnews
# What is copied is listed in .dockerignore (an allow-list).
COPY --chown=airflow:root . /opt/govnews
# Airflow is pinned to the image's own version so that no constraint can move it.
RUN pip install --no-cache-dir -c constraints.txt "apache-airflow==${AIRFLOW_VERSION}" -e ".[airflow,celery]"

WORKDIR /opt/airflow
