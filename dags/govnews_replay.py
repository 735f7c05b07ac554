"""Replay the seed fixture sites end to end: a smoke test of a fresh deployment from the UI."""

from __future__ import annotations

import pendulum
from airflow.sdk import dag
from govnews_tasks import RETRIES, pipeline, run_params, site_names


@dag(
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=RETRIES,
    params=run_params(site_names(), default_sites=[], replay=True),
    tags=["govnews", "smoke-test"],
    doc_md=__doc__,
)
def govnews_replay() -> None:
    pipeline()


govnews_replay()
