"""The pages of the fixture farm (pipeline/farm.py): URLs, list pages, articles, challenges."""

from __future__ import annotations

import json
import re
from datetime import date
from html import escape

from pipeline.fixtures import Page

NOT_FOUND = "<html><body><h1>404 页面不存在</h1></body></html>".encode()
SENTENCES = (
    "会议强调，要坚持以人民为中心的发展思想，扎实推进各项民生实事项目落地见效。",
    "各部门要进一步压实工作责任，细化任务分工，确保年度目标任务按期完成。",
    "要持续优化营商环境，深化“放管服”改革，提升政务服务标准化、规范化、便利化水平。",
    "会议听取了上半年经济运行情况汇报，研究部署下一阶段重点工作。",
    "要统筹发展和安全，抓好安全生产、防汛防台和城市运行保障各项工作。",
    "要加强基层治理能力建设，推动资源、服务、管理向基层下沉。",
    "相关负责同志围绕产业升级、科技创新和人才引进等议题作了交流发言。",
    "会议要求，要以钉钉子精神抓好工作落实，以实绩实效检验工作成效。",
)
COLUMN = {"trs": "/xwzx/", "trs_div": "/zwgk/", "trs_inline": "/gzdt/", "hanweb": "/col/col12377/",
          "json_api": "/gkmlpt/", "sitemap": "/"}
ENCODING = {"trs_inline": "gbk"}
ARTICLE_URL = {
    "trs": r"/xwzx/\d{6}/t\d{8}_\d+\.html$",
    "trs_div": r"/zwgk/\d{6}/t\d{8}_\d+\.shtml$",
    "trs_inline": r"/gzdt/\d{6}/t\d{8}_\d+\.htm$",
    "hanweb": r"/art/\d{4}/\d{1,2}/\d{1,2}/art_12377_\d+\.html$",
    "json_api": r"/gkmlpt/content/\d+/\d+/post_\d+\.html$",
    "sitemap": r"/zhengce/content/\d{6}/content_\d+\.htm$",
}
_ID = re.compile(r"(?:t\d{8}_|art_12377_|post_|content_)(\d+)\.")
FIRST_ID = 1_000_000


def article_path(site, index: int) -> str:  # type: ignore[no-untyped-def]
    day, number = site.article_date(index), FIRST_ID + index
    ymd, ym = day.strftime("%Y%m%d"), day.strftime("%Y%m")
    return {
        "trs": f"/xwzx/{ym}/t{ymd}_{number}.html",
        "trs_div": f"/zwgk/{ym}/t{ymd}_{number}.shtml",
        "trs_inline": f"/gzdt/{ym}/t{ymd}_{number}.htm",
        "hanweb": f"/art/{day.year}/{day.month}/{day.day}/art_12377_{number}.html",
        "json_api": f"/gkmlpt/content/{number // 1000}/{number % 1000}/post_{number}.html",
        "sitemap": f"/zhengce/content/{ym}/content_{number}.htm",
    }[site.family]


def article_index(site, path: str) -> int | None:  # type: ignore[no-untyped-def]
    match = _ID.search(path)
    if not match or not re.search(ARTICLE_URL[site.family], path):
        return None
    index = int(match[1]) - FIRST_ID
    return index if 0 <= index < site.articles and article_path(site, index) == path else None


def start_url(site) -> str:  # type: ignore[no-untyped-def]
    return {"trs": "/xwzx/index.html", "trs_div": "/zwgk/fg.shtml", "trs_inline": "/gzdt/index.htm",
            "hanweb": "/col/col12377/index.html", "json_api": "/gkmlpt/api/all/2591?page=1&sid=757",
            "sitemap": "/sitemap.xml"}[site.family]


def registry_entry(site, origin: str, max_pages: int) -> str:  # type: ignore[no-untyped-def]
    style = "trs" if site.family.startswith("trs") else site.family
    entry = (f"- name: {site.name}\n  description: fixture farm, {site.family}\n  fixture: true\n"
             f"  start_urls: ['{origin}{start_url(site)}']\n  article_url: '{ARTICLE_URL[site.family]}'\n"
             f"  pagination: {{style: {style}, max_pages: {max_pages}}}\n")
    if site.family == "json_api":
        entry += "  json_api: {items: articles, url: url, date: display_publish_time}\n"
    if site.family == "sitemap":  # the same site read from its RSS feed
        entry += (f"- name: {site.name}-feed\n  fixture: true\n  start_urls: ['{origin}/rss.xml']\n"
                  f"  article_url: '{ARTICLE_URL['sitemap']}'\n  pagination: {{style: feed, max_pages: 1}}\n")
    return entry


def robots(site, disallow: bool) -> bytes:  # type: ignore[no-untyped-def]
    lines = ["User-agent: *", "Disallow: /" if disallow else "Disallow: /private/"]
    if site.family == "sitemap":
        lines.append("Sitemap: /sitemap.xml")
    return ("\n".join(lines) + "\n").encode()


def challenge(protection: str) -> tuple[int, dict[str, str], bytes]:
    """Challenge pages with the markers of the real ones (RuiShu 412, 加速乐, Aliyun WAF)."""
    if protection == "412":
        body = ('<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
                '<meta id="Fx0farm" content="abcdef0123456789farm" r="m"><script type="text/javascript" r=\'m\'>'
                "$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=12345;$_ts.cd=\"qfarmqq\";</script>"
                '<script type="text/javascript" charset="utf-8" src="/Fa4mPath/Abc123.c0ffee0.js" r=\'m\'></script>'
                "</head><body></body></html>")
        return 412, {"Content-Type": "text/html; charset=utf-8",
                     "Set-Cookie": "FarmCookie80S=abc; Path=/; HttpOnly"}, body.encode()
    if protection == "js":
        body = ("<html><body><script>document.cookie=('__jsl_clearance=1752800000.1|0|'+'farm'+';"
                "max-age=3600;path=/');location.href=location.pathname+location.search</script></body></html>")
        return 200, {"Content-Type": "text/html"}, body.encode()
    body = ('<html><body><script>var arg1="FARM";function setCookie(n,v){document.cookie=n+"="+v}'
            'setCookie("acw_sc__v2", arg1);location.reload()</script></body></html>')
    return 200, {"Content-Type": "text/html"}, body.encode()


def render(site, path: str, query: dict[str, str]) -> Page | None:  # type: ignore[no-untyped-def]
    index = article_index(site, path)
    if index is not None:
        return _html(site, article_html(site, index))
    return _list(site, path, query)


def _html(site, text: str) -> Page:  # type: ignore[no-untyped-def]
    encoding = ENCODING.get(site.family, "utf-8")
    return Page(f"text/html; charset={encoding.upper()}", text.encode(encoding))


def _chunk(site, page: int) -> range:  # type: ignore[no-untyped-def]
    return range(page * site.page_size, min(site.articles, (page + 1) * site.page_size))


def _pages(site) -> int:  # type: ignore[no-untyped-def]
    return max(1, -(-site.articles // site.page_size))


def _list(site, path: str, query: dict[str, str]) -> Page | None:  # type: ignore[no-untyped-def]
    family = site.family
    if family.startswith("trs"):
        prefix, ext = {"trs": ("index", "html"), "trs_div": ("fg", "shtml"), "trs_inline": ("index", "htm")}[family]
        match = re.fullmatch(re.escape(COLUMN[family] + prefix) + rf"(?:_(\d+))?\.{ext}", path)
        page = int(match[1] or 0) if match else -1
        return _html(site, trs_list(site, page)) if 0 <= page < _pages(site) else None
    if family == "hanweb" and path in ("/col/col12377/index.html", "/col/col12377/"):
        return _html(site, hanweb_column(site))
    if family == "hanweb" and path == "/module/web/jpage/dataproxy.jsp":
        return Page("text/xml; charset=UTF-8", hanweb_proxy(site, int(query.get("page", "1"))).encode())
    if family == "json_api" and path == "/gkmlpt/api/all/2591":
        return Page("application/json; charset=UTF-8", json_list(site, int(query.get("page", "1"))).encode())
    if family == "sitemap":
        return _sitemap(site, path)
    return None


def title(site, index: int) -> str:  # type: ignore[no-untyped-def]
    return f"{site.name}召开第{index + 1}次重点工作推进会"


def _item(site, index: int) -> str:  # type: ignore[no-untyped-def]
    head = escape(title(site, index))
    return (f'<li><a href="{article_path(site, index)}" target="_blank" title="{head}">{head}</a>'
            f"<span>{site.article_date(index).isoformat()}</span></li>")


def _chrome(site) -> str:  # type: ignore[no-untyped-def]
    if not site.page_kb:
        return ""
    nav = "".join(f'<li><a href="{COLUMN[site.family]}n{k}/index.html">政务公开栏目{k}</a></li>' for k in range(40))
    repeats = max(1, site.page_kb * 1024 // (len(nav.encode()) + 1))
    return f'<div class="nav"><ul>{nav * repeats}</ul></div>'


def trs_list(site, page: int) -> str:  # type: ignore[no-untyped-def]
    count = _pages(site)
    script = {
        "trs": f'createPageHTML({count}, {page}, "index", "html");',
        "trs_div": f"createPageHTML('page_div', {count}, {page + 1}, 'fg', 'shtml', {site.articles});",
        "trs_inline": f"var currentPage = {page};//所在页从0开始\nvar countPage = {count}//共多少页",
    }[site.family]
    items = "\n".join(_item(site, i) for i in _chunk(site, page))
    charset = ENCODING.get(site.family, "utf-8")
    return (f'<html><head><meta charset="{charset}"><meta name="ColumnName" content="新闻中心">'
            f'<meta name="ColumnType" content="工作动态"><title>新闻中心</title></head><body>{_chrome(site)}'
            f'<ul class="list">\n{items}\n</ul><div id="page_div"><script type="text/javascript">{script}'
            "</script></div></body></html>")


def _records(site, page: int) -> str:  # type: ignore[no-untyped-def]
    return "".join(f"<record><![CDATA[{_item(site, i)}]]></record>" for i in _chunk(site, page))


def hanweb_column(site) -> str:  # type: ignore[no-untyped-def]
    proxy = ("/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=110&path=/&columnid=12377&unitid=38486"
             "&webname=%25E5%25B8%2582%25E6%2594%25BF%25E5%25BA%259C&permissiontype=0")
    return (f"<html><head><meta charset=\"utf-8\"><title>工作动态</title></head><body>{_chrome(site)}"
            f'<div id="38486"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="{proxy}"></a>]]>'
            f"</nextgroup><recordset>{_records(site, 0)}</recordset></datastore></script></div></body></html>")


def hanweb_proxy(site, page: int) -> str:  # type: ignore[no-untyped-def]
    records = _records(site, page - 1) if page >= 1 else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>{site.articles}</totalrecord>'
            f"<totalpage>{_pages(site)}</totalpage><recordset>{records}</recordset></datastore>")


def json_list(site, page: int) -> str:  # type: ignore[no-untyped-def]
    items = [{"id": FIRST_ID + i, "title": title(site, i), "url": article_path(site, i),
              "display_publish_time": int(_epoch(site.article_date(i)))} for i in _chunk(site, page - 1)]
    return json.dumps({"articles": items, "total": site.articles}, ensure_ascii=False)


def _epoch(day: date) -> float:
    from datetime import datetime

    from pipeline.records import SHANGHAI

    return datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI).timestamp()


def _sitemap(site, path: str) -> Page | None:  # type: ignore[no-untyped-def]
    xml = '<?xml version="1.0" encoding="UTF-8"?>'
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    if path == "/sitemap.xml":
        children = "".join(f"<sitemap><loc>/sitemap_{k}.xml</loc></sitemap>" for k in range(_pages(site)))
        return Page("application/xml", f"{xml}<sitemapindex {ns}>{children}</sitemapindex>".encode())
    if match := re.fullmatch(r"/sitemap_(\d+)\.xml", path):
        urls = "".join(f"<url><loc>{article_path(site, i)}</loc><lastmod>{site.article_date(i)}</lastmod></url>"
                       for i in _chunk(site, int(match[1])))
        return Page("application/xml", f"{xml}<urlset {ns}>{urls}</urlset>".encode()) if urls else None
    if path == "/rss.xml":
        items = "".join(f"<item><title>{escape(title(site, i))}</title><link>{article_path(site, i)}</link>"
                        f"<pubDate>{site.article_date(i).strftime('%a, %d %b %Y')} 10:00:00 +0800</pubDate></item>"
                        for i in _chunk(site, 0))
        return Page("application/rss+xml", f'{xml}<rss version="2.0"><channel>{items}</channel></rss>'.encode())
    return None


def article_html(site, index: int) -> str:  # type: ignore[no-untyped-def]
    day, head = site.article_date(index), escape(title(site, index))
    body = "".join(f'<p style="text-indent: 2em;">{SENTENCES[(index + k) % len(SENTENCES)]}</p>' for k in range(6))
    body += f"<p>本次会议为{head}，编号{FIRST_ID + index}。</p>"
    charset = ENCODING.get(site.family, "utf-8")
    return (f'<html><head><meta charset="{charset}"><title>{head}</title>'
            f'<meta name="ArticleTitle" content="{head}"><meta name="PubDate" content="{day} 10:00">'
            f'<meta name="ContentSource" content="办公室"></head><body>{_chrome(site)}'
            f'<div class="article"><h1>{head}</h1><div class="info">发布时间：{day} 10:00 来源：办公室</div>'
            f'<div class="TRS_Editor">{body}</div><div class="print">【字体：大 中 小】 打印本页 关闭窗口</div>'
            "</div></body></html>")
