"""The registry: entries validated with errors that name the site; one bad entry spares the rest."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.settings import FIXTURE_REGISTRY, Settings
from pipeline.sites import SiteError, load_registry, parse_registry
from tests.commands import ROOT, free_port

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


def _parses_without_yaml(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("parsed the YAML again instead of reading the cache")

    monkeypatch.setattr(yaml, "load", refuse)


def test_a_registry_read_again_comes_from_the_cache_and_is_the_same(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GOVNEWS_CACHE_DIR", str(tmp_path / "cache"))
    text = GOOD + "  fixture: false\n"
    first = parse_registry(text, {"ORIGIN": "http://x"})
    assert len(list((tmp_path / "cache").glob("registry-*.json"))) == 1
    _parses_without_yaml(monkeypatch)
    assert parse_registry(text, {"ORIGIN": "http://x"}) == first
    assert parse_registry(text, {"ORIGIN": "http://y"}).get("songjiang").start_urls == ("http://y/xwzx/index.html",)
    with pytest.raises(AssertionError, match="parsed the YAML again"):  # another text: parsed
        parse_registry(text.replace("xwzx", "zwgk"), {"ORIGIN": "http://x"})


@pytest.mark.parametrize("extra", ["  since: 2024-01-01\n", "  1: one\n"], ids=["date", "number key"])
def test_what_json_cannot_hold_exactly_is_parsed_each_time(tmp_path, monkeypatch, extra: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GOVNEWS_CACHE_DIR", str(tmp_path / "cache"))
    first = parse_registry(GOOD + extra, {"ORIGIN": "http://x"})  # the entry is refused: an unknown field
    assert not list(tmp_path.glob("cache/registry-*.json"))
    again = parse_registry(GOOD + extra, {"ORIGIN": "http://x"})
    assert {n: str(e) for n, e in again.errors.items()} == {n: str(e) for n, e in first.errors.items()} != {}


def test_a_broken_or_unwritable_cache_only_means_parsing_again(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "cache"
    monkeypatch.setenv("GOVNEWS_CACHE_DIR", str(cache))
    expected = parse_registry(GOOD, {"ORIGIN": "http://x"})
    [cached] = cache.glob("registry-*.json")
    cached.write_text('[{"name": "songjiang", "start_', encoding="utf-8")  # cut short
    assert parse_registry(GOOD, {"ORIGIN": "http://x"}) == expected
    assert json.loads(cached.read_text(encoding="utf-8"))[0]["name"] == "songjiang", "written again"
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("GOVNEWS_CACHE_DIR", str(blocked / "cache"))
    assert parse_registry(GOOD, {"ORIGIN": "http://x"}) == expected


def test_fixture_registry_is_valid_and_not_crawled_unless_named() -> None:
    settings = Settings(fixture_origin="http://127.0.0.1:1")
    registry = load_registry([FIXTURE_REGISTRY], settings.registry_variables)
    assert not registry.errors
    assert set(registry.sites) == {"fixture-songjiang", "fixture-yancheng"}
    assert all(site.fixture for site in registry.sites.values())
    assert registry.select() == []


# --- the built-in registry of real sites -----------------------------------------------------------

BUILTIN = load_registry([Path(__file__).resolve().parent.parent / "pipeline" / "registry.yaml"])


def test_builtin_registry_has_twenty_real_unverified_sites_across_the_families() -> None:
    assert not BUILTIN.errors, BUILTIN.errors
    assert len(BUILTIN.sites) >= 20
    assert {"songjiang", "shanghai", "yancheng"} <= set(BUILTIN.sites), "the seeds' sites are in the registry"
    assert {s.strategy for s in BUILTIN.sites.values()} >= {"trs", "hanweb", "json_api", "links"}
    for site in BUILTIN.sites.values():
        assert not site.verified and not site.fixture, f"{site.name}: only a live check may mark it verified"
        assert site.robots.obey, f"{site.name}: the built-in registry obeys robots.txt everywhere"
        assert all(url.endswith(".gov.cn") for url in site.allowed_domains), site.name


@pytest.mark.parametrize(("entry", "message"), [
    pytest.param("  robots: {obey: false}", "needs a 'reason'", id="robots-override-without-reason"),
    pytest.param("  pagination: {style: json_api}", "json_api", id="json-api-without-fields"),
    pytest.param("  pagination: {style: gkmlpt}", "style", id="unknown-strategy"),
    pytest.param("  budget: 0", "budget", id="zero-budget"),
])
def test_politeness_and_strategy_fields_are_checked(entry: str, message: str) -> None:
    registry = parse_registry(f"- name: a1\n  start_urls: [http://x.gov.cn/]\n  article_url: x\n{entry}")
    assert message in str(registry.errors["a1"])


def test_robots_override_with_a_reason_is_accepted() -> None:
    registry = parse_registry("- name: a1\n  start_urls: [http://x.gov.cn/]\n  article_url: x\n"
                              "  robots: {obey: false, reason: 'written permission of the site office, 2026-07-01'}")
    assert not registry.get("a1").robots.obey


def test_user_registry_extends_or_replaces_the_builtin(tmp_path, monkeypatch) -> None:
    own = tmp_path / "own.yaml"
    own.write_text(GOOD.replace("${ORIGIN}", "http://www.songjiang.gov.cn/mine"), encoding="utf-8")
    monkeypatch.setenv("GOVNEWS_REGISTRY", str(own))
    extended = load_registry(Settings().registry_paths)
    assert "ndrc" in extended.sites
    assert extended.get("songjiang").start_urls == ("http://www.songjiang.gov.cn/mine/xwzx/index.html",)
    monkeypatch.setenv("GOVNEWS_BUILTIN_REGISTRY", "false")
    alone = load_registry(Settings().registry_paths, Settings().registry_variables)
    assert "ndrc" not in alone.sites and "songjiang" in alone.sites


def test_sites_list_rows() -> None:
    from pipeline.doctor import registry_rows

    rows = {row["name"]: row for row in registry_rows(Settings(fixture_origin="http://127.0.0.1:1"))}
    assert rows["ndrc"]["strategy"] == "trs" and rows["ndrc"]["verified"] is False
    assert rows["fixture-songjiang"]["fixture"] is True


# --- govnews sites check ---------------------------------------------------------------------------


def test_sites_check_reports_each_farm_site(tmp_path) -> None:
    from pipeline.doctor import check_sites, print_checks
    from pipeline.fixtures.farm import Fault, standard_farm

    with standard_farm(articles=12, page_size=5) as farm:
        farm.set_faults("farm-hanweb", Fault("challenge_412", on_lists=True))
        farm.set_faults("farm-trs_div", Fault("robots_disallow"))
        registry = tmp_path / "farm.yaml"
        registry.write_text(farm.registry_yaml(), encoding="utf-8")
        names = [s.name for s in farm.sites]
        checks = {c.site: c for c in check_sites(Settings(registry=str(registry)), names, timeout=5)}
    lines: list[str] = []
    assert print_checks(list(checks.values()), lines.append) == 1, "a blocked site makes the check fail"
    assert lines[0].split() == ["site", "reachable", "robots", "anti_bot", "charset", "articles", "sample"]
    assert len(lines) == 1 + len(names)
    assert checks["farm-trs"].ok and checks["farm-trs"].articles == 5
    assert checks["farm-trs"].sample.startswith("farm-trs召开第1次重点工作推进会 (2026-07-18")
    assert checks["farm-trs_inline"].charset.startswith("gb18030")
    assert checks["farm-sitemap"].articles == 5, "a sitemap index is read one level down"
    assert checks["farm-hanweb"].anti_bot == "ruishu" and not checks["farm-hanweb"].ok
    assert checks["farm-trs_div"].robots == "disallowed"


def test_sites_check_without_internet_says_unreachable_per_site(tmp_path: Path) -> None:
    """No internet, made certain whatever the machine reaches: every request goes through a proxy on a
    loopback port where nothing listens (the check uses urllib, which honours http(s)_proxy), so
    nothing leaves 127.0.0.1, not even a DNS lookup of a real site."""
    closed = f"http://127.0.0.1:{free_port()}"
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and not k.startswith("GOVNEWS_")}
    env.update(http_proxy=closed, https_proxy=closed, HTTP_PROXY=closed, HTTPS_PROXY=closed, no_proxy="")
    check = [sys.executable, "-m", "pipeline.cli", "sites", "check", "--format", "json", "--timeout", "3"]
    done = subprocess.run(check, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 1, done.stderr
    checks = json.loads(done.stdout)
    assert len(checks) >= 20
    assert all(check["reachable"].startswith("unreachable") and not check["ok"] for check in checks), checks

