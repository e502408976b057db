"""Serve the offline sample news-site family on 127.0.0.1.

    python samples/serve.py --port 8765

One server answers for every sample host (www.cnmn.test, www.luan.test, ...).
A request names its site either as an absolute URI (the crawler reaches the
sites through the per-site ``proxy`` key of ``sites.toml``) or by its Host
header (``curl -H 'Host: www.cnmn.test' http://127.0.0.1:8765/``).

Standard library only: the server stands in for somebody else's website, so it
must not share code with the crawler it is used to test.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import re
import threading
import tomllib
from dataclasses import dataclass, field
from email.utils import format_datetime
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from urllib.parse import quote, unquote, urlsplit

ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class SampleArticle:
    slug: str
    title: str
    published: str
    source: str
    author: str
    editor: str
    paragraphs: tuple[str, ...]


@dataclass
class Placement:
    """One article as one site publishes it."""

    site: "SampleSite"
    path: str
    article: SampleArticle
    title_suffix: str = ""
    ruby: str = ""
    repost_of: str = ""
    modified: str = ""  # ISO time of a correction: the sitemap's lastmod then says so, as a CMS's does
    dateline: str = ""
    # A multi-page article: its paragraphs spread over `pages` pages, numbered in `page_form`
    # ("suffix": content_1_2.htm, "query": ?page=2, "index": .../index_1.html for page 2), a pager
    # under the body (each site's own words), the first paragraph repeated atop every later page.
    pages: int = 1
    page_form: str = ""
    pager_loops: bool = False  # the last page's 下一页 leads back to the first page

    @property
    def url(self) -> str:
        return f"http://{self.site.host}{self.path}"

    def page_path(self, k: int) -> str:
        """Page k (1-based) of the article."""
        if k == 1:
            return self.path
        if self.page_form == "query":
            return f"{self.path}?page={k}"
        stem, dot, ext = self.path.rpartition(".")
        return f"{stem}_{k - 1}.{ext}" if self.page_form == "index" else f"{stem}_{k}.{ext}"

    def page_url(self, k: int) -> str:
        return f"http://{self.site.host}{self.page_path(k)}"

    def page_paragraphs(self, k: int) -> list[str]:
        paras = self.expected_paragraphs()
        size = -(-len(paras) // self.pages)
        chunk = paras[(k - 1) * size : k * size]
        return chunk if k == 1 else [paras[0], *chunk]

    def expected_paragraphs(self) -> list[str]:
        """The body a perfect extractor returns for this page."""
        paras = list(self.article.paragraphs)
        if self.dateline:
            paras[0] = self.dateline + paras[0]
        return paras


@dataclass
class SampleSite:
    host: str
    template: str
    label: str
    encoding: str
    header_charset: str
    meta_charset: str
    per_page: int
    list_path: str
    robots: str = ""
    sitemap: str = ""
    sitemap_index: str = ""
    feed: str = ""
    extra_pages: list[str] = field(default_factory=list)
    dead_links: list[str] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)
    broken: bool = False  # tests: the site's article template "changed" and shows no article

    def list_page_path(self, n: int) -> str:
        if n == 1:
            return self.list_path
        if self.list_path.endswith("/"):
            return f"{self.list_path}index_{n}.html"
        stem, dot, ext = self.list_path.rpartition(".")
        return f"{stem}_{n}.{ext}"

    @property
    def list_page_count(self) -> int:
        return max(1, -(-len(self.placements) // self.per_page))


def load_article(path: Path) -> SampleArticle:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    paras = tuple(line for line in data["body"].splitlines() if line.strip())
    return SampleArticle(
        slug=path.stem,
        title=data["title"],
        published=data["published"],
        source=data.get("source", ""),
        author=data.get("author", ""),
        editor=data.get("editor", ""),
        paragraphs=paras,
    )


def load_readings(path: Path) -> dict[str, str]:
    readings = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            char, reading = line.split("\t")
            readings[char] = reading
    return readings


class SampleFamily:
    """The sites, their articles, and how each page is rendered."""

    def __init__(self, root: Path = ROOT, family_file: str = "family.toml") -> None:
        self.root = root
        self.articles = {
            p.stem: load_article(p) for p in sorted((root / "articles").glob("*.toml"))
        }
        self.readings = load_readings(root / "ruby_readings.tsv")
        spec = tomllib.loads((root / family_file).read_text(encoding="utf-8"))
        self.sites: dict[str, SampleSite] = {}
        for raw in spec["site"]:
            raw = dict(raw)
            placements = raw.pop("articles")
            site = SampleSite(**raw)
            for p in placements:
                p = dict(p)
                slug = p.pop("slug")
                site.placements.append(Placement(site=site, article=self.articles[slug], **p))
            self.sites[site.host] = site

    # -- what the tests and the README driver need to know ---------------------

    def placements(self) -> list[Placement]:
        return [p for site in self.sites.values() for p in site.placements]

    def add_placement(self, host: str, path: str, slug: str, **kw: str) -> Placement:
        """Publish one more article (used by tests of incremental runs)."""
        site = self.sites[host]
        placement = Placement(site=site, path=path, article=self.articles[slug], **kw)
        site.placements.insert(0, placement)
        return placement

    # -- rendering ---------------------------------------------------------------

    def template(self, site: SampleSite, name: str) -> Template:
        return Template((self.root / "templates" / site.template / f"{name}.html").read_text(encoding="utf-8"))

    def annotate(self, text: str, mode: str) -> str:
        """Escape text for HTML, adding the ruby pinyin a converted page carries."""
        if not mode:
            return html.escape(text, quote=False)
        out = []
        for ch in text:
            reading = self.readings.get(ch)
            if reading is None:
                out.append(html.escape(ch, quote=False))
            elif mode == "markup":
                out.append(f"<ruby>{ch}<rp>(</rp><rt>{reading}</rt><rp>)</rp></ruby>")
            else:
                out.append(f"{ch}({reading})")
        return "".join(out)

    def page(self, site: SampleSite, title: str, main: str, head_extra: str = "") -> str:
        hot = "".join(
            f'<li><a href="{html.escape(quote(p.path))}">{html.escape(p.article.title)}</a></li>'
            for p in site.placements[:6]
        )
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={site.meta_charset}">' if site.meta_charset else ""
        # A top bar's "today" (the day the page is served, with its weekday), as portals print it.
        now = datetime.now()
        return self.template(site, "layout").substitute(
            today=now.strftime("%Y年%m月%d日") + " 星期" + "一二三四五六日"[now.weekday()],
            meta_charset_tag=meta,
            title_tag=html.escape(title),
            head_extra=head_extra,
            main=main,
            hot=hot,
        )

    def pager(self, p: Placement, k: int) -> str:
        """The pager under page k, in the site's own style."""
        href = lambda i: html.escape(quote(p.page_path(i), safe="/?="))  # noqa: E731
        hant = p.site.template in ("luan", "cnmnhk")
        prev_word, next_word = ("上一頁", "下一頁") if hant else ("上一页", "下一页")
        nxt = k + 1 if k < p.pages else (1 if p.pager_loops else 0)
        if p.page_form == "query":  # [1] [2] [下一頁]
            parts = [f"[{i}]" if i == k else f'[<a href="{href(i)}">{i}</a>]' for i in range(1, p.pages + 1)]
            if nxt:
                parts.append(f'[<a href="{href(nxt)}">{next_word}</a>]')
        elif p.page_form == "index":  # 第1页 第2页 第3页 共3页 下一页
            parts = [f"第{i}页" if i == k else f'<a href="{href(i)}">第{i}页</a>' for i in range(1, p.pages + 1)]
            parts.append(f"共{p.pages}页")
            if nxt:
                parts.append(f'<a href="{href(nxt)}">{next_word}</a>')
        else:  # 上一页 1 2 3 下一页
            parts = [f'<a href="{href(k - 1)}">{prev_word}</a>' if k > 1 else prev_word]
            parts += [str(i) if i == k else f'<a href="{href(i)}">{i}</a>' for i in range(1, p.pages + 1)]
            parts.append(f'<a href="{href(nxt)}">{next_word}</a>' if nxt else next_word)
        return f'<div class="pages">{" ".join(parts)}</div>'

    def article_page(self, p: Placement, k: int = 1) -> str:
        site, a = p.site, p.article
        others = [o for o in site.placements if o is not p]
        idx = site.placements.index(p) if p in site.placements else -1  # -1: a page outside the lists
        prevnext = []
        if idx > 0:
            prev = site.placements[idx - 1]
            prevnext.append(f'上一篇：<a href="{quote(prev.path)}">{html.escape(prev.article.title)}</a>')
        if 0 <= idx and idx + 1 < len(site.placements):
            nxt = site.placements[idx + 1]
            prevnext.append(f'下一篇：<a href="{quote(nxt.path)}">{html.escape(nxt.article.title)}</a>')
            if p.pages > 1:  # a "next article" link that looks like a pager's: never a page of this one
                prevnext.append(f'<a class="next" rel="next" href="{quote(nxt.path)}">下一篇</a>')
        related = "".join(
            f'<li><a href="{quote(o.path)}">{html.escape(o.article.title)}</a> <span>{o.article.published[:10]}</span></li>'
            for o in others[:5]
        )
        paras = p.expected_paragraphs() if p.pages == 1 else p.page_paragraphs(k)
        body = "\n".join(f"<p>{self.annotate(t, p.ruby)}</p>" for t in paras)
        if p.pages > 1:
            body += "\n" + self.pager(p, k)
        when = datetime.fromisoformat(a.published) if "T" in a.published else datetime.fromisoformat(a.published + "T00:00:00")
        display = {
            "cnmn": when.strftime("%Y年%m月%d日 %H:%M"),
            "cnmnhk": when.strftime("%Y年%m月%d日 %H:%M"),
            "luan": when.strftime("%Y-%m-%d %H:%M:%S") if "T" in a.published else a.published,
            "aluportal": when.strftime("%Y-%m-%d %H:%M"),
        }[site.template]
        views = 1000 + sum(map(ord, p.path)) % 9000
        main = self.template(site, "article").substitute(
            title=self.annotate(a.title, p.ruby),
            title_suffix=html.escape(p.title_suffix),  # the section suffix some sites print in <h1> too
            published_display=display,
            views=views,
            source=html.escape(a.source),
            author=html.escape(a.author),
            author_part=f"作者: {html.escape(a.author)}" if a.author else "",
            editor=html.escape(a.editor or "网站编辑"),
            byline=f"(文 {html.escape(a.author)})" if a.author else "",
            body=body,
            slug=quote(a.slug),  # a lazy-loaded lead picture on aluportal (the record's images)
            related=related,
            prevnext=" ".join(prevnext),
        )
        head = [f'<meta name="description" content="{html.escape(paras[0][:60])}">']
        if p.pages > 1 and k < p.pages:
            head.append(f'<link rel="next" href="{html.escape(quote(p.page_path(k + 1), safe="/?="))}">')
        if site.template == "cnmn":
            head.append(f'<link rel="canonical" href="{p.page_url(k)}">')
            head.append('<meta property="og:type" content="article">')
        if site.template == "aluportal":
            head.append(f'<meta property="og:url" content="{p.url}">')
        return self.page(site, a.title + p.title_suffix + "_" + site.label, main, "\n".join(head))

    def list_page(self, site: SampleSite, n: int) -> str:
        chunk = site.placements[(n - 1) * site.per_page : n * site.per_page]
        items = "".join(
            f'<li><a href="{quote(p.path)}">{html.escape(p.article.title)}</a><span class="date">{p.article.published[:10]}</span></li>'
            for p in chunk
        )
        pager = [f"共{site.list_page_count}页"]
        if n > 1:
            pager.append(f'<a href="{quote(site.list_page_path(n - 1))}">上一页</a>')
        for i in range(1, site.list_page_count + 1):
            pager.append(str(i) if i == n else f'<a href="{quote(site.list_page_path(i))}">{i}</a>')
        if n < site.list_page_count:
            pager.append(f'<a href="{quote(site.list_page_path(n + 1))}">下一页</a>')
            pager.append(f'<a href="{quote(site.list_page_path(site.list_page_count))}">尾页</a>')
        main = f'<div class="list"><h2>新闻列表</h2><ul>{items}</ul><div class="pages">{" ".join(pager)}</div></div>'
        return self.page(site, f"新闻列表_第{n}页_{site.label}", main)

    def home_page(self, site: SampleSite) -> str:
        top = "".join(
            f'<li><a href="{quote(p.path)}">{html.escape(p.article.title)}</a></li>' for p in site.placements[:3]
        )
        dead = "".join(f'<li><a href="{quote(d)}">往期回顾</a></li>' for d in site.dead_links)
        extra = "".join(f'<li><a href="{quote(x)}">{html.escape(x)}</a></li>' for x in site.extra_pages)
        main = (
            f'<div class="home"><h2>头条</h2><ul>{top}</ul>'
            f'<p><a href="{quote(site.list_path)}">更多新闻</a></p><ul>{dead}{extra}</ul></div>'
        )
        return self.page(site, f"{site.label}_首页", main)

    def list_entries(self, site: SampleSite, script: str) -> list[tuple[str, str, str, str]]:
        """(href, title, day, teaser) of the family's articles of one script (the site's own by
        path, others by URL) and an archive item, as the site's lists show them."""
        items = []
        for p in self.placements():
            if ("hant" if p.site.template in ("luan", "cnmnhk") else "hans") != script:
                continue
            href = p.path if p.site is site else p.url
            items.append((href, p.article.title, p.article.published[:10], p.article.paragraphs[0][:40]))
        # An archive item: to a dead page where the site has one, else to its list.
        archive = next((x for x in site.dead_links if x.endswith(".html")), site.list_path)
        if script == "hans":
            items.append((archive, "往期回顾：2022年铝行业年度盘点", "2023-01-01", "2022年，国内电解铝产能继续向清洁能源富集地区转移，全年产量再创新高，行业效益"))
        else:
            items.append((archive, "往期回顧：2022年鋁行業年度盤點", "2023-01-01", "2022年，國內電解鋁產能繼續向清潔能源富集地區轉移，全年產量再創新高，行業效益"))
        return items

    def teaser_items(self, site: SampleSite, script: str, ending: str, ruby: bool = False) -> str:
        """List items as portals print them: headline link, date, the start of the text cut short
        (with ruby readings over the teaser, as learners' editions print it)."""
        return "".join(
            f'<li><a href="{html.escape(quote(href, safe=":/"))}">{html.escape(title)}</a> <span class="date">{day}</span>'
            f'<p class="intro">{self.annotate(teaser, "markup") if ruby else html.escape(teaser)}{html.escape(ending)}</p></li>'
            for href, title, day, teaser in self.list_entries(site, script)
        )

    def section_page(self, site: SampleSite, path: str) -> str:
        """A CMS section page (node_1021.htm): rows of headline and date, and a pager."""
        first = path.replace("_2.htm", ".htm")
        second = first.replace(".htm", "_2.htm")
        rows = "".join(
            f'<tr><td class="dot">·</td><td><a href="{html.escape(quote(href, safe=":/"))}" target="_blank">{html.escape(title)}</a></td>'
            f'<td class="date">{day}</td></tr>'
            for href, title, day, _ in self.list_entries(site, "hant" if site.template in ("luan", "cnmnhk") else "hans")
        )
        n = 2 if path == second else 1
        other = second if n == 1 else first
        pager = f'共2頁 第{n}頁 <a href="{quote(other)}">{3 - n}</a> <a href="{quote(other)}">{"下一頁" if n == 1 else "上一頁"}</a>'
        main = f'<table class="section"><tr><td><h2>行業資訊</h2></td></tr><tr><td><table class="rows">{rows}</table></td></tr><tr><td class="pager">{pager}</td></tr></table>'
        return self.page(site, f"行業資訊_第{n}頁_{site.label}", main)

    def extra_page(self, site: SampleSite, path: str) -> str:
        # Pages that are not articles although they carry dates and text (issue 14, item 4):
        # teaser lists in both scripts, a topic page, an about page with a founding year.
        if path.startswith("/news/roll"):
            main = (
                '<div class="list roll"><h2>滚动新闻</h2><p class="upd">更新时间：2023-03-02 10:00</p>'
                f'<ul>{self.teaser_items(site, "hans", "…")}</ul></div>'
            )
            return self.page(site, f"滚动新闻_{site.label}", main)
        if "/node_" in path:
            return self.section_page(site, path)
        if path.startswith(("/news/focus", "/news/list_")):  # traditional teasers with ruby readings (issue 23)
            main = (
                '<div class="list focus"><h2>焦點新聞</h2><p class="upd">更新時間：2023-02-17 09:30</p>'
                f'<ul class="newslist">{self.teaser_items(site, "hant", "...", ruby=True)}</ul>'
                '<div class="pages"><a href="/news/focus.html">1</a> <a href="/news/list_3.html">3</a></div></div>'
            )
            return self.page(site, f"焦點新聞_{site.label}", main)
        if path.startswith("/big5/"):
            main = (
                '<div class="list big5"><h2>新聞資訊（繁體版）</h2><p class="upd">更新時間：2023-02-17 09:30</p>'
                f'<ul>{self.teaser_items(site, "hant", "……")}</ul></div>'
            )
            return self.page(site, "新聞資訊_繁體版_" + site.label, main)
        if path.startswith("/zt/"):
            main = (
                '<div class="zt"><h2>专题：再生铝与绿色发展</h2>'
                '<p class="zt-intro">发展再生铝是有色金属行业实现碳达峰、碳中和目标的重要途径。本专题汇集行业动态、'
                '企业实践与政策解读，持续跟踪报道。</p>'
                f'<ul>{self.teaser_items(site, "hans", "...[详情]")}</ul></div>'
            )
            return self.page(site, f"专题：再生铝与绿色发展_{site.label}", main)
        if site.template == "cnmnhk" and path.startswith("/about"):
            about = (
                f'<div class="about"><h2>關於我們</h2><p>{html.escape(site.label)}成立於1998年，是服務有色金屬行業的專業資訊平台，'
                "致力於為企業提供及時、準確、權威的行業資訊、市場行情和政策解讀服務。</p>"
                "<p>網站設有行業資訊、市場行情、企業風采、政策法規等欄目，自2003年起每日更新，讀者遍及兩岸三地。</p>"
                '<p class="upd">更新時間：2021-06-01 09:00</p></div>'  # a CMS date: the date test alone lets it through
            )
            return self.page(site, f"關於我們_{site.label}", about)
        if path.startswith("/tag/"):
            items = "".join(f'<li><a href="{quote(p.path)}">{html.escape(p.article.title)}</a></li>' for p in site.placements)
            return self.page(site, f"标签：电解铝_{site.label}", f'<div class="tag"><h2>标签：电解铝</h2><ul>{items}</ul></div>')
        if path.startswith("/admin/"):
            return self.page(site, "后台管理", "<div><h2>后台管理</h2><p>仅限内部访问。</p></div>")
        about = (
            f"<div class=\"about\"><h2>关于我们</h2><p>{html.escape(site.label)}创办于2000年，是面向行业的专业信息服务平台，"
            "致力于为企业提供及时、准确、权威的行业资讯、市场行情和政策解读服务。</p>"
            "<p>网站设有行业资讯、市场行情、企业风采、政策法规等栏目，日均更新信息数百条，用户遍及全国各地。</p></div>"
        )
        return self.page(site, f"关于我们_{site.label}", about)

    def not_found_page(self, site: SampleSite) -> str:
        return self.page(site, "404 页面不存在", '<div class="err"><h2>404</h2><p>对不起，您访问的页面不存在或已被删除。</p><p><a href="/">返回首页</a></p></div>')

    def sitemap(self, site: SampleSite) -> str:
        news = bool(site.sitemap_index)
        urls = []
        for p in site.placements:
            day = p.article.published[:10]
            extra = (
                f"<news:news><news:publication><news:name>{html.escape(site.label)}</news:name><news:language>zh</news:language></news:publication>"
                f"<news:publication_date>{day}</news:publication_date><news:title>{html.escape(p.article.title)}</news:title></news:news>"
                if news
                else ""
            )
            urls.append(f"<url><loc>{html.escape(p.url)}</loc><lastmod>{p.modified or day}</lastmod>{extra}</url>")
            if p.pages > 1:  # CMSs list every page: a later page reached on its own
                urls.append(f"<url><loc>{html.escape(p.page_url(2))}</loc><lastmod>{p.modified or day}</lastmod></url>")
        ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>\n' + "\n".join(urls) + "\n</urlset>\n"

    def sitemap_index(self, site: SampleSite) -> str:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>http://{site.host}{site.sitemap}</loc></sitemap></sitemapindex>\n"
        )

    def feed(self, site: SampleSite) -> str:
        items = []
        for p in site.placements:
            a = p.article
            when = datetime.fromisoformat(a.published if "T" in a.published else a.published + "T08:00:00+08:00")
            items.append(
                f"<item><title>{html.escape(a.title)}</title><link>{html.escape(p.url)}</link>"
                f"<pubDate>{format_datetime(when)}</pubDate><description>{html.escape(a.paragraphs[0][:80])}</description></item>"
            )
        return (
            f'<?xml version="1.0" encoding="{site.encoding}"?>\n<rss version="2.0"><channel><title>{html.escape(site.label)}</title>'
            f"<link>http://{site.host}/</link>" + "".join(items) + "</channel></rss>\n"
        )

    def respond(self, host: str, path: str) -> tuple[int, str, bytes]:
        """Return (status, content type, body) for one request."""
        site = self.sites.get(host)
        if site is None:
            return 502, "text/plain", b"unknown sample host\n"
        parts = urlsplit(path)
        path = unquote(parts.path)
        html_type = "text/html" + (f"; charset={site.header_charset}" if site.header_charset else "")

        def page(text: str, status: int = 200) -> tuple[int, str, bytes]:
            return status, html_type, text.encode(site.encoding, errors="xmlcharrefreplace")

        if path == "/robots.txt":
            return (200, "text/plain", site.robots.encode()) if site.robots else (404, "text/plain", b"")
        if site.sitemap and path == site.sitemap:
            return 200, "application/xml", self.sitemap(site).encode()
        if site.sitemap_index and path == site.sitemap_index:
            return 200, "application/xml", self.sitemap_index(site).encode()
        if site.feed and path == site.feed:
            return 200, "application/rss+xml", self.feed(site).encode(site.encoding, errors="xmlcharrefreplace")
        if path == "/":
            return page(self.home_page(site))
        for n in range(1, site.list_page_count + 1):
            if path == site.list_page_path(n):
                return page(self.list_page(site, n))
        for p in site.placements:
            for k in range(1, p.pages + 1):
                if unquote(urlsplit(p.page_path(k)).path) == path and (p.page_form != "query" or parts.query == (f"page={k}" if k > 1 else "")):
                    return page(self.not_found_page(site) if site.broken else self.article_page(p, k))
        if path in site.extra_pages:
            return page(self.extra_page(site, path))
        if path.endswith(".pdf"):
            return 200, "application/pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        return page(self.not_found_page(site), status=404)


class _Handler(BaseHTTPRequestHandler):
    family: SampleFamily
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        if self.path.startswith("http://") or self.path.startswith("https://"):
            parts = urlsplit(self.path)
            host, path = parts.hostname or "", parts.path + (f"?{parts.query}" if parts.query else "")
        else:
            host, path = (self.headers.get("Host") or "").split(":")[0], self.path
        status, ctype, body = self.family.respond(host, path)
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if status == 200 and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet: tests read the crawler's log
        pass


class SampleServer:
    """The sample family on 127.0.0.1, in a background thread."""

    def __init__(self, port: int = 0, family: SampleFamily | None = None) -> None:
        self.family = family or SampleFamily()
        handler = type("Handler", (_Handler,), {"family": self.family})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "SampleServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "SampleServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def sites_file_for(port: int, template: Path = ROOT.parent / "sites.toml") -> str:
    """The sample sites file with its proxy pointed at a server on ``port``."""
    return re.sub(r"http://127\.0\.0\.1:\d+", f"http://127.0.0.1:{port}", template.read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    server = SampleServer(args.port)
    print(f"sample sites on {server.proxy} ({', '.join(server.family.sites)})", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
