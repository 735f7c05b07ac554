"""Anti-bot challenges: the real pages in ../shared/samples/antibot/ and the farm's imitations are
recognised; ordinary pages are not; which sequences of answers block a site."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.antibot import BLOCKED_MESSAGE, ChallengeWatch, challenge_reason
from pipeline.fixtures.farm import FarmSite
from pipeline.fixtures.farm_pages import article_html, challenge, trs_list
from pipeline.fixtures.seed_sites import build_pages, load_manifest
from tests.conftest import SHARED

SAMPLES = SHARED / "samples" / "antibot"


def real_samples() -> list[Path]:
    return sorted(SAMPLES.glob("*.html")) if SAMPLES.is_dir() else []


@pytest.mark.parametrize("page", real_samples() or [None], ids=lambda p: p.name if p else "absent")
def test_real_challenge_pages_are_detected(page: Path | None) -> None:
    if page is None:
        pytest.skip(f"{SAMPLES} is absent: the farm's imitations below stand in")
    headers_file = page.with_suffix(".headers.json")
    headers = json.loads(headers_file.read_text()) if headers_file.exists() else {}
    body = page.read_bytes()
    # Two samples were saved without their status: detected as 412 and as a 200 page alike.
    statuses = [412] if headers else [412, 200]
    for status in statuses:
        assert challenge_reason(status, headers, body) == "ruishu", f"{page.name} (HTTP {status}) not detected"


def test_real_412_is_detected_by_status_and_cookie_alone() -> None:
    headers_file = SAMPLES / "ruishu-412-cnipa.headers.json"
    if not headers_file.exists():
        pytest.skip(f"{SAMPLES} is absent")
    assert challenge_reason(412, json.loads(headers_file.read_text()), b"") == "ruishu"


@pytest.mark.parametrize(("kind", "expected"), [("412", "ruishu"), ("js", "jiasule"), ("aliyun", "aliyun_waf")])
def test_farm_imitations_are_detected(kind: str, expected: str) -> None:
    status, headers, body = challenge(kind)
    assert challenge_reason(status, headers, body) == expected
    assert expected in BLOCKED_MESSAGE


@pytest.mark.parametrize(("status", "headers", "body", "protection"), [
    pytest.param(200, {"set-cookie": "__jsl_clearance=1752800000.1|0|x; path=/"}, b"<html></html>", "jiasule",
                 id="jsl-cookie"),
    pytest.param(200, {"set-cookie": ["acw_tc=1; path=/", "acw_sc__v2=abc; path=/"]}, b"", "aliyun_waf",
                 id="acw-cookie"),
])
def test_challenge_cookies_alone_are_detected(status: int, headers: dict, body: bytes, protection: str) -> None:
    assert challenge_reason(status, headers, body) == protection


def test_ordinary_pages_are_not_challenges() -> None:
    site = FarmSite("farm-trs", "trs")
    ordinary = [article_html(site, 0).encode(), trs_list(site, 0).encode(),
                *(page.body for page in build_pages(load_manifest()).values())]
    for body in ordinary:
        assert challenge_reason(200, {"content-type": "text/html"}, body) is None
    assert challenge_reason(412, {"set-cookie": "JSESSIONID=abc; Path=/"}, b"Precondition Failed") is None
    assert challenge_reason(200, {"set-cookie": "acw_tc=76b20f; path=/"}, b"<html>ok</html>") is None


# Answers as the crawl meets them: "list" / "article" challenged, "ok" a good page, "503" an error status.
ANSWERS = {"list": (412, True, True), "article": (200, True, False), "ok": (200, False, False),
           "list-ok": (200, False, True), "503": (503, False, False), "304": (304, False, False)}


def blocked_after(answers: str, limit: int = 3) -> list[bool]:
    """Whether the site is blocked after each of the space-separated answers."""
    watch, verdicts = ChallengeWatch(limit), []
    for answer in answers.split():
        watch = watch.answered(*ANSWERS[answer])
        verdicts.append(watch.blocked)
    return verdicts


@pytest.mark.parametrize(("answers", "verdicts"), [
    pytest.param("list", [True], id="start-or-list-page"),
    pytest.param("list-ok ok list", [False, False, True], id="a-later-list-page"),
    pytest.param("ok article ok ok", [False] * 4, id="one-article"),
    pytest.param("ok article article ok article article ok", [False] * 7, id="never-three-in-a-row"),
    pytest.param("ok article article article ok", [False, False, False, True, True], id="three-in-a-row-stays"),
    pytest.param("article 503 article 503 article", [False, False, False, False, True], id="errors-do-not-break-a-run"),
    pytest.param("article article 304 article", [False] * 4, id="not-modified-is-good"),
    pytest.param("article list-ok article list-ok article", [False] * 4 + [True], id="good-lists-do-not-break-a-run"),
])
def test_challenge_watch_blocks_the_site(answers: str, verdicts: list[bool]) -> None:
    assert blocked_after(answers) == verdicts


def test_challenge_watch_limit_is_the_setting() -> None:
    assert blocked_after("article", limit=1) == [True]
    assert blocked_after("article " * 4, limit=5) == [False] * 4
