"""The archive's FastAPI application: four server-rendered pages, read-only.

Every string that comes from a crawled site is rendered by Jinja2 with autoescaping on, so a title
that contains ``<script>`` shows as text; the charts are SVG drawn from numbers only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from pipeline.archive.present import night_chart, status, version_diff
from pipeline.records import SHANGHAI, shown_time
from pipeline.search import segments
from pipeline.store import archive, health

TEMPLATES = Path(__file__).resolve().parent / "templates"
PAGE_SIZE = 20


def _environment() -> Environment:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)
    environment.filters["when"] = lambda value: shown_time(value, missing="–")  # as the command line shows it
    environment.globals["segments"] = segments
    environment.filters["href"] = web_link
    environment.filters["share"] = lambda value: "–" if value is None else f"{value:.0%}"
    environment.filters["day"] = lambda value: value.astimezone(SHANGHAI).strftime("%Y-%m-%d") if value else "–"
    return environment


def web_link(url: str) -> str:
    """A crawled URL fit for ``href``: http(s) only (escaping alone lets ``javascript:`` through)."""
    return url if urlsplit(url).scheme in ("http", "https") else "#"


def create_app(sessions: Callable[[], sessionmaker[Session]], site_names: Callable[[], Sequence[str]],
               dependencies: Sequence[Any] = (), login_url: Callable[[str], str] | None = None) -> FastAPI:
    """The archive under whatever prefix it is mounted at. ``sessions`` gives the articles database
    (called on first use, so the application is cheap to build); ``dependencies`` guard every route
    (inside Airflow: its login), and a browser turned away by them is sent to ``login_url(back)``."""
    app = FastAPI(title="govnews archive", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(d) for d in dependencies])
    environment = _environment()

    @app.exception_handler(HTTPException)
    async def refused(request: Request, error: HTTPException) -> Response:
        if error.status_code == 401 and login_url and "text/html" in request.headers.get("accept", ""):
            return RedirectResponse(login_url(str(request.url)), status_code=303)
        message = environment.get_template("error.html").render(url=request.url_for, error=error, title="error")
        return HTMLResponse(message, status_code=error.status_code, headers=error.headers)

    @contextmanager
    def reading() -> Iterator[Session]:
        with sessions()() as session:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("SET TRANSACTION READ ONLY"))
            yield session

    def page(request: Request, template: str, **context: Any) -> HTMLResponse:
        html = environment.get_template(template).render(url=request.url_for, **context)
        return HTMLResponse(html)

    @app.get("/", response_class=HTMLResponse, name="sites")
    def sites_page(request: Request) -> HTMLResponse:
        with reading() as session:
            summaries = archive.site_summaries(session, site_names())
        summaries.sort(key=lambda s: (not s.nights, s.site))  # sites that ran first
        rows = [(s, status(s), night_chart(s.nights)) for s in summaries]
        return page(request, "sites.html", rows=rows, nights=archive.NIGHTS, title="Sites")

    @app.get("/sites/{site}", response_class=HTMLResponse, name="site")
    def site_page(request: Request, site: str) -> HTMLResponse:
        with reading() as session:
            summary = archive.site_summary(session, site)
            if not summary.nights and not summary.articles and site not in site_names():
                raise HTTPException(404, f"no site {site!r} in the registry or the archive")
            articles = archive.recent_articles(session, site)
            metrics = health.metrics_history(session, site, archive.NIGHTS)
            rejections = archive.recent_rejections(session, site, [n.run_id for n in reversed(summary.nights)])
        return page(request, "site.html", summary=summary, status=status(summary), chart=night_chart(summary.nights),
                    articles=articles, rejections=rejections, metrics=metrics, title=site)

    @app.get("/articles/{article_id}", response_class=HTMLResponse, name="article")
    def article_page(request: Request, article_id: int) -> HTMLResponse:
        from pipeline.explain import dupes

        with reading() as session:
            detail = archive.article_detail(session, article_id)
            if detail is None:
                raise HTTPException(404, f"no article {article_id}")
            try:
                cluster = dupes(session, article_id).members
            except LookupError:
                cluster = ()
        bodies = [*(v.body for v in detail.versions), detail.article.body]
        diffs = [version_diff(old, new) for old, new in pairwise(bodies)]
        return page(request, "article.html", detail=detail, a=detail.article, cluster=cluster, diffs=diffs,
                    title=detail.article.title)

    @app.get("/search", response_class=HTMLResponse, name="search")
    def search_page(request: Request, q: str = "", site: str = "", since: str = "",
                    page_number: int = Query(1, alias="page", ge=1)) -> HTMLResponse:
        from pipeline.search import QueryError, parse_query
        from pipeline.store.search import SearchUnavailable, search

        hits, error = [], None
        if q.strip():
            try:
                start = datetime.combine(date.fromisoformat(since), time(), SHANGHAI) if since else None
                with reading() as session:
                    hits = search(session, parse_query(q), site=site or None, since=start, limit=PAGE_SIZE + 1,
                                  offset=(page_number - 1) * PAGE_SIZE)
            except (QueryError, SearchUnavailable) as problem:
                error = str(problem)
            except ValueError:
                error = f"not a date: {since!r} (YYYY-MM-DD)"
        return page(request, "search.html", q=q, site=site, since=since, sites=sorted(site_names()),
                    hits=hits[:PAGE_SIZE], more=len(hits) > PAGE_SIZE, page_number=page_number, error=error,
                    title="Search")

    return app
