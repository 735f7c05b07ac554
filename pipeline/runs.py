"""What a run is asked to do, validated once with clear messages (Airflow params, CLI options).

Plain Python: the Airflow tasks and the CLI both call these functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.settings import Settings
from pipeline.sites import Registry, SiteError, load_registry


class RunRequest(BaseModel):
    """The parameters of one run, as the trigger form and the nightly schedule give them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sites: list[str] = Field(default_factory=list, description="registry names; empty: every real site")
    max_pages: int = Field(default=5, ge=1, le=100, description="list pages per site at most")
    since: date | None = Field(default=None, description="back-fill: page back to this publish date and "
                               "re-fetch known articles since then")
    reextract_only: bool = Field(default=False, description="re-extract stored pages; fetch nothing")
    replay_fixtures: bool = Field(default=False, description="crawl the seed fixture sites instead")


class BadRequest(ValueError):
    """Run parameters that cannot be used; the message says which and why."""


def parse_request(params: dict[str, object], today: date) -> RunRequest:
    try:
        request = RunRequest.model_validate(params)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'params'}: {e['msg']}" for e in error.errors())
        raise BadRequest(f"bad run parameters: {problems}") from None
    if request.since and request.since > today:
        raise BadRequest(f"bad run parameters: since ({request.since}) is in the future (today is {today})")
    return request


def registry_for(settings: Settings) -> Registry:
    return load_registry(settings.registry_paths, settings.registry_variables)


def resolve_sites(registry: Registry, request: RunRequest) -> list[str]:
    """The site names the run works on; an unknown name fails the run before anything is fetched."""
    if request.replay_fixtures:
        fixtures = sorted(name for name, site in registry.sites.items() if site.fixture)
        chosen = request.sites or fixtures
        wrong = [name for name in chosen if name not in fixtures]
        if wrong:
            raise BadRequest(f"replay_fixtures is on, but {', '.join(wrong)} is not a fixture site "
                             f"(fixture sites: {', '.join(fixtures)})")
        return chosen
    try:
        return registry.select(request.sites)
    except SiteError as error:
        raise BadRequest(str(error)) from None


SITE_FAILURES = ("bad_site_config", "anti_bot_challenge")  # reasons that stop a whole site


def failed_sites(failures: Iterable[tuple[str, str, str]], start_urls: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """The sites a run could not crawl, each with the reason: a broken entry, an anti-bot challenge,
    or a start page that failed. ``failures`` are a run's (site, url, reason) rejections; a failed
    article page alone does not fail its site."""
    failed: dict[str, str] = {}
    for site, url, reason in failures:
        if reason in SITE_FAILURES or url in start_urls.get(site, ()):
            failed.setdefault(site, reason)
    return failed

def plan_shards(registry: Registry, sites: list[str], size: int) -> list[list[str]]:
    """The run's sites in shards of about ``size`` (``pipeline.shards``); a broken entry shares no host."""
    from pipeline.shards import plan_shards as plan

    return plan({name: registry.sites[name].allowed_domains if name in registry.sites else () for name in sites},
                size)


@contextmanager
def fixtures_served(settings: Settings, registry: Registry, sites: list[str]) -> Iterator[Settings]:
    """Settings under which the given sites can be crawled, serving the fixture sites if needed."""
    if not any(name in registry.sites and registry.sites[name].fixture for name in sites):
        yield settings
        return
    from pipeline.fixtures.seed_sites import serve_fixtures

    with serve_fixtures() as origin:
        yield settings.model_copy(update={"fixture_origin": origin})
