"""Hostile and broken pages on a fixture site: each page has its own outcome."""

from __future__ import annotations

from benchmarks.chaos import Outcome, Scenario


def antibot_one_article() -> list[Outcome]:
    """Eleven good articles, one behind a 加速乐 challenge, two answering 503 once: the first night
    stores the eleven (the 503s retried, the challenge the page's own rejection); the next night,
    the challenge gone, stores the twelfth. One row per night."""
    import hashlib
    import tempfile
    from pathlib import Path

    from sqlalchemy import select

    from benchmarks.common import throwaway_database
    from benchmarks.crawl import crawl_phase
    from pipeline import store
    from pipeline.fixtures import farm_pages
    from pipeline.fixtures.farm import Farm, FarmSite, Fault
    from pipeline.settings import Settings
    from pipeline.store.models import Page

    site = FarmSite("chaos-antibot", "trs", articles=12, page_size=10)
    challenged = 10  # on the second list page: the next night reaches it past a page of known articles
    undisturbed = {index: hashlib.sha1(farm_pages.render(site, farm_pages.article_path(site, index), {}).body)
                   .hexdigest() for index in range(site.articles)}
    nights = [("first night: 503s retried, the challenged article rejected alone", set(undisturbed) - {challenged},
               (Fault("challenge_js", frozenset({challenged})), Fault("burst_5xx", frozenset({3, 11}), times=1))),
              ("next night: the challenged article asked for again, stored", set(undisturbed), ())]
    rows = []
    with Farm([site]) as farm, throwaway_database("chaos_antibot") as url, tempfile.TemporaryDirectory() as tmp:
        registry = Path(tmp) / "farm.yaml"
        registry.write_text(farm.registry_yaml(), encoding="utf-8")
        settings = Settings(database_url=url, registry=str(registry), builtin_registry=False, backoff_max=2.0)
        urls = dict(enumerate(farm.article_urls(site.name)))
        for night, (outcome, expected, faults) in enumerate(nights, start=1):
            farm.set_faults(site.name, *faults)
            figures = crawl_phase(outcome, settings, f"chaos-antibot-{night}", [site.name], Path(tmp))
            with store.session_factory(url)() as session:
                stored = dict(session.execute(select(Page.url, Page.body_sha1).where(Page.site == site.name)).all())
            good = {i for i in expected if stored.get(urls[i]) == undisturbed[i]}
            rows.append(Outcome(scenario="antibot_one_article", kind="page", outcome=outcome, expected=len(expected),
                                stored=len(good), duplicated=len(stored) - len(good), pages_lost=len(expected - good),
                                peak_mb=figures["peak_mb"]))
    return rows


SCENARIOS: dict[str, Scenario] = {
    "antibot_one_article": antibot_one_article,
}
