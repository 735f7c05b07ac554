"""The fixture sites: TRS-style pages rendered from the seed documents and served on 127.0.0.1.

``seeds/manifest.yaml`` says which seed lines are article body; every other seed line is chrome and
is put where a real page has it (breadcrumb, info line, footer, ...). Lines with no place of their
own, such as a headline repeated between paragraphs, stay inside the body div, as on the pages the
seeds came from: those are what the extractor has to drop.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

import yaml

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
MANIFEST = SEEDS / "manifest.yaml"
TEMPLATES = SEEDS / "templates"


@dataclass(frozen=True, slots=True)
class FixtureArticle:
    seed: str
    site: str
    path: str
    encoding: str
    title: str
    published_at: datetime
    source: str
    column: str
    body_lines: tuple[int, ...]  # 1-based seed line numbers
    credits: Mapping[str, str] = field(default_factory=dict)

    def seed_lines(self) -> list[str]:
        return (SEEDS / self.seed).read_text(encoding="utf-8").split("\n")

    @property
    def body(self) -> list[str]:
        """The body paragraphs, in order, as the extractor should return them."""
        return [self.seed_lines()[n - 1].strip() for n in self.body_lines]

    @property
    def chrome(self) -> list[str]:
        """Every other non-empty seed line: none may appear in an extracted body."""
        lines = self.seed_lines()
        return [line.strip() for n, line in enumerate(lines, 1) if line.strip() and n not in self.body_lines]


@dataclass(frozen=True, slots=True)
class FixtureSite:
    template: str  # seeds/templates/{template}_article.html and {template}_list.html
    page_size: int
    none: str  # the prev/next text where there is no such article
    chrome: Mapping[str, tuple[str, ...]]  # lines by slot, for pages whose seed has none of its own


SITES = {
    "fixture-songjiang": FixtureSite(
        "songjiang",
        page_size=2,
        none="没有了",
        chrome={
            "slogan": ("长三角G60科创走廊 · 上海松江",),
            "breadcrumb": ("您现在的位置:首页 > {column} > 正文",),
            "info": ("发布时间:{date}  来源:{source}",),
            "related": ("相关链接",),
            "footer": ("版权所有 © 上海市松江区人民政府", "联系电话:021-37735000  地址:上海市松江区园中路1号"),
        },
    ),
    "fixture-yancheng": FixtureSite(
        "yancheng",
        page_size=1,
        none="沒有了",
        chrome={
            "slogan": ("東方濕地之都 仙鶴神鹿世界",),
            "breadcrumb": ("您現在的位置:首頁 > {column} > 正文",),
            "info": ("發布時間:{date}  來源:{source}",),
            "related": ("相關鏈接",),
            "footer": ("版權所有:鹽城市人民政府辦公室", "聯繫電話:0515-88886000  地址:鹽城市世紀大道5號"),
        },
    ),
}

# Seed chrome lines recognised by their wording, and the part of the page each belongs to.
CHROME_SLOTS = (
    ("breadcrumb", re.compile(r"^您[现現]在的位置")),
    ("info", re.compile(r"^[发發]布[时時][间間]")),
    ("prevnext", re.compile(r"^[上下]一[条條篇]")),
    ("share", re.compile(r"^分享到")),  # the templates always carry the share widget
    ("related", re.compile(r"^相[关關](文章|[链鏈]接)")),
    ("comments", re.compile(r"[评評][论論]")),
    ("footer", re.compile(r"^(与我们联系|•|Copyright)|[举舉][报報][电電][话話]")),
    ("credit", re.compile(r"^(摄影|攝影|编辑|編輯|[((](来源|來源))")),
)
SENTENCE_END = tuple("。!?;:,”」)…")
PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")  # 領(lǐng)導(dǎo): annotations a converter left


def load_manifest(path: Path = MANIFEST) -> list[FixtureArticle]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in entries:
        entry["published_at"] = datetime.fromisoformat(entry["published_at"])
        entry["body_lines"] = tuple(entry["body_lines"])
    return [FixtureArticle(**entry) for entry in entries]


def chrome_slot(line: str) -> str | None:
    plain = PINYIN.sub("", line)
    return next((slot for slot, pattern in CHROME_SLOTS if pattern.search(plain)), None)


def is_subheading(line: str) -> bool:
    # Subheadings are short and end without punctuation; summaries that long are paragraphs.
    return len(line) < 50 and not line.endswith(SENTENCE_END)


def layout(article: FixtureArticle) -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    """The body div's blocks as (kind, text) in seed order, and the other chrome lines by slot."""
    blocks: list[tuple[str, str]] = []
    slots: dict[str, list[str]] = {}
    first_body, headline_seen = min(article.body_lines), False
    for number, raw in enumerate(article.seed_lines(), 1):
        line, slot = raw.strip(), chrome_slot(raw.strip())
        if not line:
            continue
        if number in article.body_lines:
            blocks.append(("subheading" if is_subheading(line) else "paragraph", line))
        elif slot == "credit":
            blocks.append(("credit", line))
        elif slot:
            slots.setdefault(slot, []).append(line)
        elif line == article.title and not headline_seen:
            headline_seen = True  # it is the <h1>
        elif number < first_body and line != article.title:
            slots.setdefault("slogan", []).append(line)
        else:
            blocks.append(("inline", line))
    return blocks, slots


BLOCK_HTML = {
    "paragraph": '<p style="text-indent: 2em;">{}</p>',
    "subheading": "<p><strong>{}</strong></p>",
    "credit": '<p style="text-align: right;">{}</p>',
    "inline": '<p style="text-align: center;">{}</p>',
}


@dataclass(frozen=True, slots=True)
class Page:
    content_type: str
    body: bytes


def column_url(article: FixtureArticle) -> str:
    return article.path.rsplit("/", 2)[0] + "/index.html"


def paragraphs(lines: list[str] | tuple[str, ...]) -> str:
    return "\n".join(f"<p>{escape(line)}</p>" for line in lines)


def prevnext_items(
    article: FixtureArticle, seed_lines: list[str], neighbours: tuple[FixtureArticle | None, ...]
) -> str:
    # The seed's own 上一条/下一条 lines name articles outside the fixture; they link to the neighbours.
    items = []
    for label, seed_line, other in zip(("上一篇", "下一篇"), seed_lines or [None, None], neighbours):
        label, _, text = (seed_line or f"{label}:{other.title if other else SITES[article.site].none}").partition(":")
        href = other.path if other else (column_url(article) if seed_line else None)
        target = f'<a href="{href}">{escape(text)}</a>' if href else escape(text)
        items.append(f"<li>{escape(label)}:{target}</li>")
    return "\n".join(items)


def render_article(
    article: FixtureArticle, neighbours: tuple[FixtureArticle | None, ...], related: list[FixtureArticle]
) -> str:
    site = SITES[article.site]
    blocks, seed_chrome = layout(article)
    date = article.published_at.strftime("%Y-%m-%d %H:%M")
    fill = {"date": date, "source": article.source, "column": article.column}
    defaults = {slot: [line.format(**fill) for line in lines] for slot, lines in site.chrome.items()}
    chrome = {**defaults, **seed_chrome}
    plain = {slot: escape(" ".join(lines)) for slot, lines in chrome.items()}  # slogan, breadcrumb, info, related
    return template(site.template, "article").substitute(
        plain,
        title=escape(article.title),
        column=escape(article.column),
        pub_date=date,
        source=escape(article.source),
        keywords=escape(f"{article.column},{article.source}"),
        body="\n".join(BLOCK_HTML[kind].format(escape(text)) for kind, text in blocks),
        related_links="\n".join(f'<li><a href="{a.path}" target="_blank">{escape(a.title)}</a></li>' for a in related),
        prevnext=prevnext_items(article, seed_chrome.get("prevnext", []), neighbours),
        comments=f'<div class="comment">\n{paragraphs(chrome["comments"])}\n</div>' if "comments" in chrome else "",
        footer=paragraphs(chrome["footer"]),
    )


def list_item(article: FixtureArticle, query: str = "") -> str:
    # TRS list pages link relative to the column directory: ./202004/t20200407_1001.html
    href = "./" + "/".join(article.path.rsplit("/", 2)[1:]) + query
    title, day = escape(article.title), article.published_at.strftime("%Y-%m-%d")
    return f'<li><a href="{href}" target="_blank" title="{title}">{title}</a><span>{day}</span></li>'


def page_name(index: int) -> str:
    return "index.html" if index == 0 else f"index_{index}.html"


def render_list(site: FixtureSite, column: str, members: list[FixtureArticle], index: int, count: int) -> str:
    return template(site.template, "list").substitute(
        slogan=escape(site.chrome["slogan"][0]),
        column=escape(column),
        hot=list_item(members[0], "?source=share"),  # the same article again, with a tracking query
        items="\n".join(list_item(article) for article in members),
        page_count=count,
        page_index=index,
        previous=page_name(max(index - 1, 0)),
        next=page_name(min(index + 1, count - 1)),
        last=page_name(count - 1),
        footer=paragraphs(site.chrome["footer"]),
    )


def template(family: str, kind: str) -> Template:
    return Template((TEMPLATES / f"{family}_{kind}.html").read_text(encoding="utf-8"))


def build_pages(articles: list[FixtureArticle]) -> dict[str, Page]:
    """Every page of every fixture site by path: the articles and their paginated column lists."""
    columns: dict[str, list[FixtureArticle]] = {}
    for article in sorted(articles, key=lambda a: a.published_at, reverse=True):
        columns.setdefault(column_url(article), []).append(article)
    pages = {}
    for list_url, members in columns.items():
        site, encoding = SITES[members[0].site], members[0].encoding
        content_type = f"text/html; charset={encoding.upper()}"
        chunks = [members[i : i + site.page_size] for i in range(0, len(members), site.page_size)]
        for index, chunk in enumerate(chunks):
            html = render_list(site, members[0].column, chunk, index, len(chunks))
            pages[list_url.replace("index.html", page_name(index))] = Page(content_type, html.encode(encoding))
        for position, article in enumerate(members):
            neighbours = (members[position - 1] if position else None, (members[position + 1 :] or [None])[0])
            related = [other for other in members if other is not article]
            html = render_article(article, neighbours, related)
            pages[article.path] = Page(content_type, html.encode(encoding))
    return pages


NOT_FOUND = Page("text/html; charset=UTF-8", "<html><body><h1>404 页面不存在</h1></body></html>".encode())


def handler_for(pages: Mapping[str, Page]) -> type[BaseHTTPRequestHandler]:
    class FixtureHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.wfile.write(self._send_head())

        def do_HEAD(self) -> None:
            self._send_head()

        def _send_head(self) -> bytes:
            path = urlsplit(self.path).path  # a tracking query reaches the same page, as on real sites
            page = pages.get(path + "index.html" if path.endswith("/") else path, NOT_FOUND)
            self.send_response(404 if page is NOT_FOUND else 200)
            self.send_header("Content-Type", page.content_type)
            self.send_header("Content-Length", str(len(page.body)))
            self.end_headers()
            return page.body

        def log_message(self, format: str, *args: object) -> None:
            pass  # one line per request drowns the test and CLI output

    return FixtureHandler


def make_server(host: str, port: int) -> ThreadingHTTPServer:
    return ThreadingHTTPServer((host, port), handler_for(build_pages(load_manifest())))


def origin_of(server: ThreadingHTTPServer) -> str:
    return "http://{}:{}".format(*server.server_address[:2])


@contextmanager
def serve_fixtures(host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve the fixture sites from a background thread; yields the origin, e.g. http://127.0.0.1:54321."""
    server = make_server(host, port)
    thread = threading.Thread(target=server.serve_forever, name="fixture-server", daemon=True)
    thread.start()
    try:
        yield origin_of(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def serve_forever(host: str = "127.0.0.1", port: int = 8000, announce: Callable[[str], None] = print) -> None:
    """Serve the fixture sites until interrupted; ``announce`` receives the origin once listening."""
    with make_server(host, port) as server:
        announce(origin_of(server))
        server.serve_forever()
