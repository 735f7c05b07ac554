"""Near-duplicate and cross-script dedupe into story clusters, against the real PostgreSQL server."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from pipeline import stages, store
from pipeline.explain import dupes
from pipeline.store.models import Article, StoryCluster, StoryMember
from tests.stories import (
    NOW,
    REPRINTS,
    UNRELATED,
    cross_script,
    edited_reprint,
    make_article,
    run,
    seed_article,
    snapshot,
    stage,
)

SEED_IDS = ("000", "001", "002", "003", "004")
REPRINT = "http://news.example.com/sh/{}.html"


@pytest.fixture
def sessions(database_url: str) -> sessionmaker[Session]:
    return store.session_factory(database_url)


@pytest.fixture
def seeded(sessions: sessionmaker[Session]) -> dict[str, object]:
    return run(sessions, "seeds-1", [seed_article(s) for s in SEED_IDS])


def reprints() -> list:
    return [
        cross_script(seed_article("000"), REPRINT.format("traditional-000")),
        edited_reprint(seed_article("001"), REPRINT.format("edited-001")),
        make_article(REPRINT.format("unrelated"), REPRINTS, "秋季農作物病蟲害防治現場會召開", UNRELATED, NOW),
    ]


def story_of(session: Session, url: str) -> int:
    cluster = session.scalar(select(StoryMember.cluster_id).where(StoryMember.canonical_url == url))
    assert cluster is not None, f"{url} was not indexed: did the dedupe stage run?"
    return cluster


def test_copies_join_the_seed_story_and_nothing_else_does(sessions, seeded) -> None:
    summary = run(sessions, "reprints-1", reprints())
    with sessions() as session:
        stories = {url: story_of(session, url) for url in session.scalars(select(StoryMember.canonical_url))}
    seed_url = {s: seed_article(s).url for s in SEED_IDS}
    assert stories[REPRINT.format("traditional-000")] == stories[seed_url["000"]], "cross-script copy missed"
    assert stories[REPRINT.format("edited-001")] == stories[seed_url["001"]], "edited reprint missed"
    others = [u for u in stories if u != REPRINT.format("unrelated")]
    assert all(stories[REPRINT.format("unrelated")] != stories[u] for u in others), "unrelated article merged"
    assert stories[seed_url["001"]] != stories[seed_url["003"]], "two formulaic party reports merged"
    assert len(set(stories.values())) == 6
    counts = summary["sites"][REPRINTS]
    assert (counts["articles"], counts["near_duplicates"], counts["cross_script"]) == (1, 1, 1), counts


def test_similarity_is_recorded_with_the_member_it_matched(sessions, seeded) -> None:
    run(sessions, "reprints-1", reprints())
    with sessions() as session:
        copy = session.scalar(select(StoryMember).where(StoryMember.canonical_url == REPRINT.format("traditional-000")))
        edited = session.scalar(select(StoryMember).where(StoryMember.canonical_url == REPRINT.format("edited-001")))
        lone = session.scalar(select(StoryMember).where(StoryMember.canonical_url == REPRINT.format("unrelated")))
        assert copy.similarity > 0.95 and 0.5 <= edited.similarity < 0.95, (copy.similarity, edited.similarity)
        assert lone.matched_id is None and lone.similarity is None


@pytest.mark.parametrize(
    ("shift", "copy_url", "canonical"),
    [
        pytest.param(timedelta(hours=3), REPRINT.format("later"), "seed", id="earliest-publish-wins"),
        pytest.param(timedelta(hours=-3), REPRINT.format("earlier"), "copy", id="earlier-reprint-wins"),
        pytest.param(timedelta(0), REPRINT.format("same-time"), "seed", id="then-government-domain"),
        pytest.param(timedelta(0), "http://www.other.gov.cn/a/zzz.html", "longer", id="then-longer-body"),
    ],
)
def test_canonical_member_follows_the_rule(sessions, seeded, shift, copy_url, canonical) -> None:
    original = seed_article("000")
    copy = cross_script(original, copy_url, later=shift)
    if canonical == "longer":  # two official copies published at the same time: the longer body wins
        copy = make_article(copy_url, REPRINTS, copy.title, copy.body + "\n（完）本文有附加說明一段。", copy.published_at)
    run(sessions, "copy-1", [copy])
    expected = original.url if canonical == "seed" else copy_url
    with sessions() as session:
        cluster = session.get(StoryCluster, story_of(session, original.url))
        assert session.get(StoryMember, cluster.canonical_id).canonical_url == expected
        articles = {a.canonical_url: a for a in session.scalars(select(Article).where(
            Article.canonical_url.in_([original.url, copy_url])))}
        other = copy_url if expected == original.url else original.url
        assert articles[other].duplicate_of_id == articles[expected].id, "loaded copy not linked to canonical"
        assert articles[expected].duplicate_of_id is None


def test_rerunning_dedupe_or_the_whole_run_changes_nothing(sessions, seeded) -> None:
    run(sessions, "reprints-1", reprints())
    before = snapshot(sessions)
    with sessions.begin() as session:
        stages.dedupe(session, "reprints-1")
    with sessions.begin() as session:
        stages.dedupe(session, "seeds-1")
    assert snapshot(sessions) == before, "re-running dedupe over the same batch must change nothing"
    with sessions.begin() as session:
        stages.load(session, "reprints-1", NOW + timedelta(hours=1))
    assert snapshot(sessions) == before, "re-running load must change nothing"
    summary = run(sessions, "reprints-2", reprints())
    after = snapshot(sessions)
    for table in ("articles", "story_members", "story_bands", "story_clusters", "article_versions"):
        assert after[table] == before[table], f"a second run of the same pages changed {table}"
    assert all(c["articles"] == c["versions"] == c["near_duplicates"] == 0 for c in summary["sites"].values())


def test_dedupe_in_url_slices_finds_the_same_stories(sessions, seeded) -> None:
    with sessions.begin() as session:
        stage(session, "reprints-1", reprints())
    with sessions() as session:
        slices = stages.dedupe_slices(session, "reprints-1", size=1)
    assert len(slices) == 3
    for urls in slices:  # as separate Airflow tasks would, one transaction each
        with sessions.begin() as session:
            stages.dedupe(session, "reprints-1", urls)
    with sessions() as session:
        assert story_of(session, REPRINT.format("edited-001")) == story_of(session, seed_article("001").url)


def test_two_workers_dedupe_at_once_and_the_second_finds_the_first_ones_story(sessions) -> None:
    """Two dedupe tasks of one run at the same time, each with a copy of a story nobody has stored:
    the second waits only for the first's index step, then joins the story the first just stored."""
    story = make_article(REPRINT.format("unrelated"), REPRINTS, "秋季農作物病蟲害防治現場會召開", UNRELATED, NOW)
    with sessions.begin() as session:
        stage(session, "reprints-1", [story, cross_script(story, REPRINT.format("simplified"))])
    with sessions() as session:
        first, second = stages.dedupe_slices(session, "reprints-1", size=1)
    with sessions() as worker, ThreadPoolExecutor(1) as pool:
        stages.dedupe(worker, "reprints-1", first)  # index step done, its lock held until commit
        other = pool.submit(_dedupe_slice, sessions, "reprints-1", second)
        _wait_for_advisory_lock_waiter(sessions)
        worker.commit()
        assert other.result(timeout=60) == 1, "the second worker did not join the first one's story"
    with sessions() as session:
        assert story_of(session, REPRINT.format("unrelated")) == story_of(session, REPRINT.format("simplified"))


def _dedupe_slice(sessions: sessionmaker[Session], run_id: str, urls: tuple[str, str]) -> int:
    with sessions.begin() as session:
        return stages.dedupe(session, run_id, urls)


def _wait_for_advisory_lock_waiter(sessions: sessionmaker[Session]) -> None:
    waiting = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                   " AND wait_event_type = 'Lock' AND wait_event = 'advisory'")
    deadline = time.monotonic() + 30
    with sessions() as session:
        while not session.scalar(waiting):
            assert time.monotonic() < deadline, "the second worker never waited for the index lock"
            time.sleep(0.05)
            session.rollback()  # a fresh snapshot of pg_stat_activity


def test_dupes_explains_the_story(sessions, seeded) -> None:
    run(sessions, "reprints-1", reprints())
    with sessions() as session:
        copy_id = session.scalar(select(Article.id).where(Article.canonical_url == REPRINT.format("traditional-000")))
        story = dupes(session, copy_id)
        assert [(m.site, m.canonical) for m in story.members] == [("fixture-songjiang", True), (REPRINTS, False)]
        assert story.members[1].similarity > 0.95 and story.members[1].script == "traditional"
        assert story.table().row_count == 2
        with pytest.raises(LookupError, match="no article 999999"):
            dupes(session, 999999)
