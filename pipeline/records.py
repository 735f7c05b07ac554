"""Small frozen records passed between the stages: crawl -> extract -> dedupe -> load."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")  # publish times are read and shown in China Standard Time


def shown_time(when: datetime | None, missing: str = "-") -> str:
    """A time as the command line and the archive's pages show it: Asia/Shanghai, to the minute,
    with its offset (``2026-11-30 02:00+08:00``); ``missing`` when there is none."""
    return when.astimezone(SHANGHAI).isoformat(" ", "minutes") if when else missing


@dataclass(frozen=True, slots=True)
class RawPage:
    """One HTTP response as the crawl stored it: the input of extraction."""

    url: str
    site: str
    status: int
    headers: Mapping[str, str]  # header names lower-cased
    body: bytes
    fetched_at: datetime
    encoding: str | None = None  # the registry's override of what the server declares
    # What the list page that linked to the article showed: the link's text or title attribute, and
    # the date next to it. Extraction weighs them with what the page itself states.
    listed_title: str | None = None
    listed_date: date | None = None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


@dataclass(frozen=True, slots=True)
class Attachment:
    text: str
    url: str  # absolute


@dataclass(frozen=True, slots=True)
class Article:
    url: str
    site: str
    title: str
    published_at: datetime | None  # aware, Asia/Shanghai; None only with the "no_date" flag
    body: str  # original script, cleaned, paragraphs separated by "\n"
    body_simplified: str  # for search and dedupe
    source: str | None = None  # 来源
    author: str | None = None
    editor: str | None = None
    photographer: str | None = None
    script: str = "simplified"  # "simplified" | "traditional" | "mixed"
    flags: frozenset[str] = field(default_factory=frozenset)  # "mojibake", "no_date", ...
    attachments: tuple[Attachment, ...] = ()
    extractor_version: str = ""
    # Which source the title and the date came from: "meta", "og", "heading", "element", "listed",
    # "title" (the <title>); "label", "body", "meta", "url", "listed", "markup". "" when none.
    title_source: str = ""
    date_source: str = ""


@dataclass(frozen=True, slots=True)
class Rejected:
    """An expected non-article outcome, counted per site in the run report."""

    url: str
    site: str
    stage: str  # "fetch" | "extract" | ...
    reason: str  # countable: "anti_bot_challenge", "too_short", "http_500", ...
    detail: str = ""
