"""The site registry: sites are data (a YAML file), validated here with clear errors.

A registry file is a YAML list of entries. URL fields (start URLs, proxy) may use ``${NAME}``
placeholders, filled from the ``variables`` given to :func:`load_registry` (the fixture sites use
``${FIXTURE_ORIGIN}``).
Loading is per entry: a malformed entry becomes a :class:`SiteError` naming the site, and the other
entries still load, so one bad site never stops the rest of a run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SITE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{1,62}$")


Strategy = Literal["trs", "trs_index", "hanweb", "json_api", "sitemap", "feed", "links"]


class Pagination(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The discovery strategy (pipeline/discovery.py): trs (alias trs_index) reads index_N lists,
    # hanweb the jpage data proxy, json_api a list API, sitemap, feed (RSS/Atom), links follows
    # list pages matching ``list_url``.
    style: Strategy = "trs_index"
    max_pages: int = Field(default=5, ge=1, le=1000)  # list pages (or API pages, sitemaps) per run


class JsonApi(BaseModel):
    """Where a list API's answer keeps its articles (dotted paths into the JSON)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    items: str  # the list of articles, e.g. "articles"
    url: str  # in each item, e.g. "url"
    date: str | None = None  # in each item, e.g. "publish_time" (text or epoch)
    title: str | None = None  # in each item, e.g. "title": what extraction weighs as the list's title
    total_pages: str | None = None  # e.g. "page_count"; else paging ends at an empty page
    page_param: str = "page"


class RobotsPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    obey: bool = True
    reason: str = ""  # required to ignore robots.txt: who allowed it, and when

    @model_validator(mode="after")
    def _reasoned(self) -> RobotsPolicy:
        if not self.obey and len(self.reason.strip()) < 10:
            raise ValueError("ignoring robots.txt needs a 'reason' (who allowed it, when)")
        return self


class Site(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    start_urls: tuple[str, ...] = Field(min_length=1)
    article_url: str  # regex searched in absolute article URLs
    list_url: str | None = None  # regex for list pages (pagination style "links")
    allowed_domains: tuple[str, ...] = ()  # derived from start_urls when empty
    pagination: Pagination = Pagination()
    encoding: str | None = None  # set only to override what the server declares
    fixture: bool = False  # served by `govnews fixtures serve`; crawled only when asked by name
    description: str = ""
    json_api: JsonApi | None = None  # required by strategy json_api
    robots: RobotsPolicy = RobotsPolicy()
    proxy: str | None = None  # e.g. http://user:pass@proxy:3128, for this site only
    budget: int | None = Field(default=None, ge=1)  # requests per run; default from settings
    delay: float | None = Field(default=None, ge=0)  # seconds between requests; default from settings
    verified: bool = False  # true once `govnews sites check` passed against the live site

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not SITE_NAME.match(value):
            raise ValueError("must be lower-case letters, digits, '-' or '_' (2-63 characters)")
        return value

    @field_validator("start_urls")
    @classmethod
    def _absolute_http(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"{url!r} is not an absolute http(s) URL")
        return urls

    @field_validator("article_url", "list_url")
    @classmethod
    def _regex(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"{pattern!r} is not a valid regular expression: {error}") from None
        return pattern

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, encoding: str | None) -> str | None:
        if encoding is not None:
            import codecs

            try:
                codecs.lookup(encoding)
            except LookupError:
                raise ValueError(f"unknown encoding {encoding!r}") from None
        return encoding

    @model_validator(mode="after")
    def _derived(self) -> Site:
        if self.pagination.style == "links" and not self.list_url:
            raise ValueError("pagination style 'links' needs a 'list_url' pattern")
        if self.pagination.style == "json_api" and self.json_api is None:
            raise ValueError("pagination style 'json_api' needs a 'json_api' block (items, url, ...)")
        if not self.allowed_domains:
            domains = tuple(sorted({urlsplit(url).hostname or "" for url in self.start_urls}))
            object.__setattr__(self, "allowed_domains", domains)
        return self


    @property
    def strategy(self) -> str:
        return "trs" if self.pagination.style == "trs_index" else self.pagination.style


class SiteError(ValueError):
    """A registry entry that cannot be used; the message names the site and what to fix."""

    def __init__(self, site: str, message: str) -> None:
        super().__init__(f"site {site!r}: {message}")
        self.site = site


@dataclass(frozen=True, slots=True)
class Registry:
    sites: Mapping[str, Site]
    errors: Mapping[str, SiteError]  # entries that failed validation, by name

    def get(self, name: str) -> Site:
        if name in self.errors:
            raise self.errors[name]
        try:
            return self.sites[name]
        except KeyError:
            known = ", ".join(sorted(self.sites)) or "none"
            raise SiteError(name, f"not in the registry (known sites: {known})") from None

    def select(self, names: list[str] | None = None) -> list[str]:
        """The names to run: the given ones (unknown ones rejected), or every real site.

        Broken entries are included, so that the run reports them.
        """
        if not names:
            return sorted([*(n for n, s in self.sites.items() if not s.fixture), *self.errors])
        unknown = [n for n in names if n not in self.sites and n not in self.errors]
        if unknown:
            known = ", ".join(sorted(self.sites))
            raise SiteError(unknown[0], f"not in the registry (known sites: {known})")
        return list(dict.fromkeys(names))


class RegistryFileError(ValueError):
    """A registry file that cannot be read at all (missing, not YAML, not a list): nothing can run."""


def parse_registry(text: str, variables: Mapping[str, str] | None = None, origin: str = "registry") -> Registry:
    try:
        entries = _yaml_document(text) or []
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" (line {where.line + 1}, column {where.column + 1})" if where else ""
        raise RegistryFileError(f"registry file {origin} is not valid YAML{line}: "
                                f"{getattr(error, 'problem', None) or error}") from None
    if not isinstance(entries, list):
        raise RegistryFileError(f"registry file {origin}: expected a YAML list of site entries, "
                                f"got {type(entries).__name__}")
    sites: dict[str, Site] = {}
    errors: dict[str, SiteError] = {}
    for position, entry in enumerate(entries, start=1):
        name = entry.get("name") if isinstance(entry, dict) else None
        label = name if isinstance(name, str) and name else f"entry #{position}"
        try:
            if not isinstance(entry, dict):
                raise SiteError(label, f"{origin}: expected a mapping, got {type(entry).__name__}")
            if label in sites or label in errors:
                raise SiteError(label, f"{origin}: defined twice")
            sites[label] = Site.model_validate(_substitute(entry, variables or {}, label))
        except ValidationError as error:
            errors[label] = SiteError(label, f"{origin}: {_describe(error)}")
        except SiteError as error:
            errors[label] = error
    return Registry(sites=sites, errors=errors)


def _yaml_document(text: str) -> Any:
    """The YAML document ``text`` holds. Thousands of entries are read at every DAG parse, in every
    task and in every crawl process (0.3 s for 2,000 even with libyaml's parser, which is used where
    PyYAML has it): a document read once is kept as JSON under the cache directory, by the hash of
    its text, and read from there (50 times faster). Documents JSON cannot hold exactly (a date, a
    key that is no string) are parsed each time."""
    cached = registry_cache_dir() / f"registry-{hashlib.sha256(text.encode()).hexdigest()}.json"
    try:
        return json.loads(cached.read_bytes())
    except (OSError, ValueError):
        pass
    document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if _json_exact(document):
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(f".{os.getpid()}.partial")
            partial.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
            partial.replace(cached)  # atomic: a reader sees the whole file or none
        except OSError:
            pass  # no cache where the cache directory cannot be written: parsed each time
    return document


def registry_cache_dir() -> Path:
    """Where parsed registry files are kept: GOVNEWS_CACHE_DIR, else $XDG_CACHE_HOME/govnews
    (~/.cache/govnews)."""
    if folder := os.environ.get("GOVNEWS_CACHE_DIR"):
        return Path(folder)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "govnews"


def _json_exact(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(key, str) and _json_exact(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_json_exact(item) for item in value)
    return value is None or isinstance(value, str | int | float)  # bool is an int


def load_registry(paths: Sequence[Path | str], variables: Mapping[str, str] | None = None) -> Registry:
    """Load registry files in order; a later file's entry replaces an earlier one of the same name."""
    sites: dict[str, Site] = {}
    errors: dict[str, SiteError] = {}
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise RegistryFileError(f"cannot read the registry file {path}: "
                                    f"{getattr(error, 'strerror', None) or error}") from None
        registry = parse_registry(text, variables, origin=str(path))
        for name, site in registry.sites.items():
            errors.pop(name, None)
            sites[name] = site
        for name, error in registry.errors.items():
            sites.pop(name, None)
            errors[name] = error
    return Registry(sites=sites, errors=errors)


URL_FIELDS = ("start_urls", "proxy")  # where ${NAME} placeholders are filled; regexes keep their "$"


def _substitute(entry: dict[str, object], variables: Mapping[str, str], site: str) -> dict[str, object]:
    """Fill ``${NAME}`` placeholders in the URL fields of an entry."""

    def fill(url: object) -> object:
        if not isinstance(url, str):
            return url
        try:
            return Template(url).substitute(variables)
        except KeyError as missing:
            raise SiteError(site, f"placeholder ${{{missing.args[0]}}} in {url!r} has no value") from None
        except ValueError as error:
            raise SiteError(site, f"bad placeholder in {url!r}: {error}") from None

    filled = dict(entry)
    for key in URL_FIELDS:
        value = entry.get(key)
        if value is not None:
            filled[key] = [fill(url) for url in value] if isinstance(value, list) else fill(value)
    return filled


def _describe(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in item['loc']) or 'entry'}: {item['msg']}" for item in error.errors()
    )
