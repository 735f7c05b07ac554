"""Run parameters (the Airflow trigger form, the nightly defaults) validated with clear messages."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.runs import BadRequest, parse_request, resolve_sites
from pipeline.sites import parse_registry

TODAY = date(2026, 11, 27)
REGISTRY = parse_registry(
    """
- name: songjiang
  start_urls: [http://www.songjiang.gov.cn/xwzx/index.html]
  article_url: 't\\d+'
- name: fixture-songjiang
  start_urls: [http://www.songjiang.fixture.test/index.html]
  article_url: 't\\d+'
  fixture: true
"""
)


def test_defaults_mean_every_real_site() -> None:
    request = parse_request({}, TODAY)
    assert request.max_pages == 5 and not request.reextract_only
    assert resolve_sites(REGISTRY, request) == ["songjiang"]


def test_replay_means_the_fixture_sites() -> None:
    assert resolve_sites(REGISTRY, parse_request({"replay_fixtures": True}, TODAY)) == ["fixture-songjiang"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param({"max_pages": 0}, "max_pages: Input should be greater than or equal to 1", id="no-pages"),
        pytest.param({"max_pages": "many"}, "max_pages", id="not-a-number"),
        pytest.param({"since": "2026-13-01"}, "since", id="not-a-date"),
        pytest.param({"since": "2027-01-01"}, "since (2027-01-01) is in the future", id="future"),
        pytest.param({"colour": "red"}, "colour: Extra inputs are not permitted", id="unknown-param"),
    ],
)
def test_bad_parameters_say_which_and_why(params: dict, message: str) -> None:
    with pytest.raises(BadRequest, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_request(params, TODAY)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param({"sites": ["nowhere"]}, "site 'nowhere': not in the registry", id="unknown-site"),
        pytest.param({"sites": ["songjiang"], "replay_fixtures": True}, "songjiang is not a fixture site",
                     id="real-site-in-a-replay"),
    ],
)
def test_bad_sites_say_which_and_list_the_known_ones(params: dict, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        resolve_sites(REGISTRY, parse_request(params, TODAY))
