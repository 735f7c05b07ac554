"""The registry: entries validated with errors that name the site; one bad entry spares the rest."""

from __future__ import annotations

import re

import pytest

from pipeline.settings import FIXTURE_REGISTRY, Settings
from pipeline.sites import SiteError, load_registry, parse_registry

GOOD = """
- name: songjiang
  start_urls: ["${ORIGIN}/xwzx/index.html"]
  article_url: '/t\\d{8}_\\d+\\.html$'
"""


def test_good_entry_and_derived_domains() -> None:
    registry = parse_registry(GOOD, {"ORIGIN": "http://www.songjiang.gov.cn"})
    site = registry.get("songjiang")
    assert site.start_urls == ("http://www.songjiang.gov.cn/xwzx/index.html",)
    assert site.allowed_domains == ("www.songjiang.gov.cn",)
    assert site.pagination.style == "trs_index"
    assert not registry.errors


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        pytest.param("- name: a1\n  start_urls: [ftp://x/]\n  article_url: x", "not an absolute http(s) URL",
                     id="bad-scheme"),
        pytest.param("- name: a1\n  start_urls: [http://x/]\n  article_url: '(['", "not a valid regular expression",
                     id="bad-regex"),
        pytest.param("- name: a1\n  start_urls: []\n  article_url: x", "start_urls", id="no-start-url"),
        pytest.param("- name: a1\n  start_urls: [http://x/]", "article_url", id="missing-field"),
        pytest.param("- name: a1\n  start_urls: [http://x/]\n  article_url: x\n  encodig: gbk",
                     "encodig", id="misspelt-key"),
        pytest.param("- name: a1\n  start_urls: [http://x/]\n  article_url: x\n  encoding: klingon",
                     "unknown encoding", id="bad-encoding"),
        pytest.param("- name: a1\n  start_urls: [http://x/]\n  article_url: x\n  pagination: {style: links}",
                     "list_url", id="links-without-list-url"),
        pytest.param("- name: a1\n  start_urls: ['${NOWHERE}/x']\n  article_url: x", "NOWHERE",
                     id="unset-placeholder"),
        pytest.param("- name: A B\n  start_urls: [http://x/]\n  article_url: x", "lower-case", id="bad-name"),
    ],
)
def test_bad_entry_names_the_site_and_spares_the_others(entry: str, message: str) -> None:
    registry = parse_registry(GOOD + entry, {"ORIGIN": "http://x"})
    assert "songjiang" in registry.sites, "a bad entry must not stop the good ones from loading"
    [(name, error)] = registry.errors.items()
    assert message in str(error)
    assert f"site {name!r}" in str(error)
    with pytest.raises(SiteError, match=re.escape(message)):
        registry.get(name)


def test_unknown_site_lists_the_known_ones() -> None:
    registry = parse_registry(GOOD, {"ORIGIN": "http://x"})
    with pytest.raises(SiteError, match="known sites: songjiang"):
        registry.select(["nowhere"])


def test_later_file_replaces_an_entry(tmp_path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(GOOD, encoding="utf-8")
    second.write_text(GOOD.replace("xwzx", "zwgk"), encoding="utf-8")
    registry = load_registry([first, second], {"ORIGIN": "http://x"})
    assert registry.get("songjiang").start_urls == ("http://x/zwgk/index.html",)


def test_fixture_registry_is_valid_and_not_crawled_unless_named() -> None:
    settings = Settings(fixture_origin="http://127.0.0.1:1")
    registry = load_registry([FIXTURE_REGISTRY], settings.registry_variables)
    assert not registry.errors
    assert set(registry.sites) == {"fixture-songjiang", "fixture-yancheng"}
    assert all(site.fixture for site in registry.sites.values())
    assert registry.select() == []
