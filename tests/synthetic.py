"""Small synthetic article pages for the extraction tests: a generic government or news page whose
parts (``<title>``, meta tags, headline markup, date line, body, chrome) each test can vary."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from pipeline.extract import extract
from pipeline.records import Article, RawPage

FETCHED = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
URL = "http://www.example.gov.cn/xwzx/gzdt/content_1.html"  # no date in it

HEADLINE = "市政府召开第十二次常务会议研究部署秋冬季安全生产工作"
PARAGRAPHS = (
    ("11月3日上午，市长主持召开市政府第十二次常务会议，传达学习上级有关会议精神，研究部署秋冬季安全生产、"
     "森林防火和冬季供暖保障等工作。"),
    ("会议指出，当前正值岁末年初，各类生产经营活动集中，安全风险隐患交织叠加，各地各部门要压紧压实责任，"
     "扎实开展隐患排查整治，坚决防范遏制重特大事故发生。"),
    "会议还研究了其他事项。市政府领导班子成员，各县区政府和市直有关部门主要负责同志参加会议。",
)


@dataclass(frozen=True)
class Page:
    """The parts of a page; ``html()`` puts them together."""

    title_tag: str = f"{HEADLINE}_某某市人民政府"
    metas: dict[str, str] = field(default_factory=dict)
    headline: str = f"<h1>{HEADLINE}</h1>"
    info: str = '<div class="info">发布时间：2026-10-28 09:30 来源：某某市人民政府办公室</div>'
    paragraphs: tuple[str, ...] = PARAGRAPHS
    before_body: str = ""  # inside the body container, before the paragraphs
    after_body: str = ""  # inside the body container, after the paragraphs
    container: str = '<div class="TRS_Editor">{}</div>'
    chrome: str = ('<div class="nav"><a href="/">首页</a> <a href="/xwzx/">新闻中心</a></div>')
    footer: str = '<div class="footer"><p>版权所有：某某市人民政府 地址：某某市人民路1号</p></div>'

    def html(self) -> str:
        metas = "".join(f'<meta name="{name}" content="{value}">' for name, value in self.metas.items())
        paragraphs = "".join(f"<p>{p}</p>" for p in self.paragraphs)
        body = self.container.format(self.before_body + paragraphs + self.after_body)
        return (f'<html><head><meta charset="utf-8"><title>{self.title_tag}</title>{metas}</head><body>'
                f"{self.chrome}<div class=\"article\">{self.headline}{self.info}{body}</div>{self.footer}"
                "</body></html>")

    def but(self, **changes: object) -> Page:
        return replace(self, **changes)


def raw(page: Page | str, url: str = URL, listed_title: str | None = None,
        listed_date: date | None = None) -> RawPage:
    html = page.html() if isinstance(page, Page) else page
    return RawPage(url=url, site="example", status=200, headers={"content-type": "text/html; charset=utf-8"},
                   body=html.encode("utf-8"), fetched_at=FETCHED, listed_title=listed_title, listed_date=listed_date)


def article(page: Page | str, site_names: frozenset[str] = frozenset(), **options: object) -> Article:
    result = extract(raw(page, **options), site_names)  # type: ignore[arg-type]
    assert isinstance(result, Article), f"expected an article, got {result}"
    return result


def body_lines(result: Article) -> list[str]:
    return result.body.split("\n")
