"""Faults in the middle of a run, against a private PostgreSQL cluster (restarted, stopped, its disk
filled) and the fixture farm over HTTP, each stage in its own process: the scenarios of
``benchmarks.chaos.faults``, each row held to every article once, same body hash, no page lost.
A scenario whose stage does not fail or recover as it must raises, naming what happened."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from benchmarks.chaos import Outcome, faults
from benchmarks.chaos.cluster import Cluster
from pipeline import store


def rows(outcomes: list[Outcome]) -> dict[str, Outcome]:
    return {row.scenario: row for row in outcomes}


def assert_held(row: Outcome) -> None:
    assert row.held, (f"{row.scenario}: {row.stored} of {row.expected} articles, {row.duplicated} duplicated, "
                      f"{row.pages_lost} pages lost, {row.peak_mb} MB ({row.outcome}); the stage's unit of work "
                      "(pipeline.store.in_transaction) or its upserts let the fault through")


@pytest.fixture(scope="module")
def restarts(private_postgres: Cluster) -> dict[str, Outcome]:
    return rows(faults.restarts(private_postgres))


@pytest.mark.parametrize("stage", ["crawl", "extract", "load"])
def test_stage_outlasts_a_server_restart(restarts: dict[str, Outcome], stage: str) -> None:
    row = restarts[f"db_restart_{stage}"]
    assert_held(row)
    tries = int(re.search(r"retried (\d+)x", row.outcome)[1])  # type: ignore[index]
    assert tries >= 1, f"the {stage} never lost its connection: the restart missed it ({row.outcome})"


def test_stage_fails_when_the_server_stays_down(restarts: dict[str, Outcome]) -> None:
    # The scenario raises unless the load exited 1 with an error line, keeping nothing.
    row = restarts["db_down_load"]
    assert row.outcome.startswith("exit 1"), row.outcome
    assert_held(row)


def test_killed_crawl_resumes_the_same_run(private_postgres: Cluster) -> None:
    (row,) = faults.crawl_killed(private_postgres)
    assert_held(row)


def test_killed_stages_run_again(private_postgres: Cluster) -> None:
    killed = rows(faults.stage_killed(private_postgres))
    assert sorted(killed) == ["dedupe_killed", "extract_killed", "load_killed"]
    for row in killed.values():
        assert_held(row)


def test_two_runs_at_once_store_every_article_once(private_postgres: Cluster) -> None:
    (row,) = faults.runs_at_once(private_postgres)
    assert_held(row)


def test_full_disk_fails_the_stage_and_loses_nothing(private_postgres: Cluster) -> None:
    (row,) = faults.disk_full(private_postgres)
    assert_held(row)


def test_unit_of_work_gives_up_after_the_retry_time(private_postgres: Cluster,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    with private_postgres.database("unit") as url:
        sessions = store.session_factory(url)
        private_postgres.stop()
        try:
            with pytest.raises(store.DatabaseUnavailable, match="GOVNEWS_DB_RETRY_SECONDS"):
                store.in_transaction(sessions, lambda session: session.execute(text("SELECT 1")), 1.0)
        finally:
            private_postgres.start()
        assert "database connection lost" in caplog.text, "it gave up without trying again"
        assert store.in_transaction(sessions, lambda session: session.execute(text("SELECT 1")).scalar(), 1.0) == 1


def test_unit_of_work_does_not_retry_a_failing_statement(private_postgres: Cluster) -> None:
    tries = []

    def bad(session):  # type: ignore[no-untyped-def]
        tries.append(1)
        session.execute(text("SELECT FROM no_such_table"))

    with private_postgres.database("unit") as url:
        with pytest.raises(ProgrammingError):
            store.in_transaction(store.session_factory(url), bad, 30.0)
    assert len(tries) == 1, "a statement that fails the same way every time was tried again"
