"""Anti-bot challenge pages: recognised by their markers, so they are never stored as articles.

A challenge answers plain HTTP clients instead of the page; retrying it does not help. One challenged
article is that page's loss (the next run asks again); a challenged list page, or several articles in
a row, means the site is blocked (:class:`ChallengeWatch`). Pure functions over status, headers and
body: no Scrapy here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

# RuiShu (瑞数): a bootstrap script (`$_ts=window['$_ts']`, older `_$x['$_ts']={}`) in a <script r='m'>,
# mostly with HTTP 412.
_RUISHU_TS = re.compile(rb"\[\s*['\"]\$_ts['\"]\s*\]|\$_ts\.(?:nsd|cd|scj)\b")
_RUISHU_MARK = re.compile(rb"<(?:script|meta)\b[^>]*\br\s*=\s*['\"]m['\"]", re.IGNORECASE)
# 加速乐 (Knownsec): a 200 page whose script assembles the __jsl_clearance cookie and reloads.
_JIASULE = re.compile(rb"__jsl_clearance(?:_s)?\s*=|document\.cookie\s*=\s*['\"]?__jsl_clearance")
# Its first stage (HTTP 521) spells the cookie name in pieces: document.cookie=('_')+('_')+('j')+...
_JIASULE_PIECES = re.compile(rb"document\.cookie\s*=\s*\(?\s*['\"]_['\"]\s*\)?\s*\+.{0,2000}?"
                             rb"location\.href\s*=\s*location\.pathname", re.DOTALL)
# Aliyun WAF: a slider/script page that sets acw_sc__v2 (the acw_tc cookie alone is harmless).
_ALIYUN = re.compile(rb"acw_sc__v2")

BLOCKED_MESSAGE = {
    "ruishu": "RuiShu (瑞数) challenge: the site serves a JavaScript check instead of pages; "
    "plain HTTP cannot pass it. Mark the entry blocked or crawl it another way.",
    "jiasule": "加速乐 challenge (__jsl_clearance): the site wants a JavaScript-built cookie first.",
    "aliyun_waf": "Aliyun WAF challenge (acw_sc__v2): the site wants a JavaScript-built cookie first.",
}


def challenge_reason(status: int, headers: Mapping[str, str | Iterable[str]], body: bytes) -> str | None:
    """The protection a response is a challenge of ("ruishu", "jiasule", "aliyun_waf"), or None."""
    head = body[:65536]  # markers sit in the head; real articles are large, challenges small
    if _RUISHU_TS.search(head) and (status == 412 or _RUISHU_MARK.search(head)):
        return "ruishu"
    if status == 412 and _ruishu_cookie(headers):
        return "ruishu"
    if _JIASULE.search(head) or _JIASULE_PIECES.search(head) or "__jsl_clearance" in _cookie_names(headers):
        return "jiasule"
    if _ALIYUN.search(head) or "acw_sc__v2" in _cookie_names(headers):
        return "aliyun_waf"
    return None


def _cookies(headers: Mapping[str, str | Iterable[str]]) -> list[str]:
    for name, value in headers.items():
        if name.lower() == "set-cookie":
            return [value] if isinstance(value, str) else list(value)
    return []


def _cookie_names(headers: Mapping[str, str | Iterable[str]]) -> set[str]:
    names = set()
    for cookie in _cookies(headers):
        for part in cookie.split("\n"):  # several cookies may be joined into one header value
            names.add(part.split("=", 1)[0].strip())
    return names


def _ruishu_cookie(headers: Mapping[str, str | Iterable[str]]) -> bool:
    # RuiShu's first cookie has a random name ending in "S" (its script then sets one ending in "T").
    return any(re.fullmatch(r"[A-Za-z0-9]{8,20}S", name) for name in _cookie_names(headers))


@dataclass(frozen=True, slots=True)
class ChallengeWatch:
    """Whether a site is blocked, given its answers so far (fed one by one to :meth:`answered`).

    A challenge on a list page (the start page included) blocks the site at once: nothing else can
    be found. On articles, ``limit`` challenges in a row do, with no good article between them; a
    good list page (often protected less) or an error status (a 503 to be retried) neither breaks
    nor extends a run of challenges.
    """

    limit: int  # challenged article answers in a row that block the site
    in_a_row: int = 0
    blocked: bool = False

    def answered(self, status: int, challenged: bool, list_page: bool) -> ChallengeWatch:
        if self.blocked:
            return self
        if challenged:
            in_a_row = self.in_a_row + 1
            return replace(self, in_a_row=in_a_row, blocked=list_page or in_a_row >= self.limit)
        if status < 400 and not list_page:
            return replace(self, in_a_row=0)
        return self
