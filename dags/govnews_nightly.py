"""Nightly crawl of every real registry site; also triggered by hand with parameters."""

from __future__ import annotations

import pendulum
from airflow.sdk import CronTriggerTimetable, dag
from govnews_tasks import RETRIES, pipeline, run_params, site_names


@dag(
    schedule=CronTriggerTimetable("30 1 * * *", timezone="Asia/Shanghai"),  # 01:30 China time
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=RETRIES,
    params=run_params(site_names(), default_sites=[], replay=False),
    tags=["govnews"],
    doc_md=__doc__,
)
def govnews_nightly() -> None:
    pipeline()


govnews_nightly()
