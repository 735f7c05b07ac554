"""The name of the machine a task ran on, as Airflow records it (``[core] hostname_callable``).

Several Celery workers started on one machine (``scripts/airflow-celery``) would all report its one
host name; each gets ``GOVNEWS_WORKER_NAME`` instead, so the task instances say which worker ran
them. Elsewhere the machine's fully qualified name, as Airflow's own default.
"""

from __future__ import annotations

import os
import socket


def worker_hostname() -> str:
    return os.environ.get("GOVNEWS_WORKER_NAME") or socket.getfqdn()
