"""SiteLinks follows exactly the links Scrapy's LinkExtractor would, with the same rules."""

from __future__ import annotations

import re

import pytest
from scrapy.http import HtmlResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS, LinkExtractor

from crawler.links import SiteLinks


def scrapy_links(html: str, url: str, domains, allow=None, deny=None) -> list[tuple[str, str]]:
    """LinkExtractor's links, first per URL without fragment (what the dupefilter keeps)."""
    extractor = LinkExtractor(allow=[allow.pattern] if allow else (), deny=[deny.pattern] if deny else (),
                              allow_domains=list(domains), unique=True,
                              deny_extensions=IGNORED_EXTENSIONS + ["xml", "json", "rss", "atom", "txt", "csv"])
    out, seen = [], set()
    for link in extractor.extract_links(HtmlResponse(url, body=html.encode("utf-8"), encoding="utf-8")):
        key = link.url.split("#")[0]
        if key not in seen:
            seen.add(key)
            out.append((key, link.text))
    return out


def ours(html: str, url: str, domains, allow=None, deny=None) -> list[tuple[str, str]]:
    return [(link.url.split("#")[0], link.text) for link in SiteLinks(domains, allow, deny).extract(html, url)]


@pytest.mark.parametrize("allow, deny", [(None, None), (re.compile(r"/news/\d{4}/"), None), (None, re.compile(r"/tag/"))])
def test_same_links_as_scrapy_on_every_sample_page(family, allow, deny):
    pages = 0
    for host, site in family.sites.items():
        rendered = [(f"http://{host}/", family.home_page(site)), (f"http://{host}{site.list_path}", family.list_page(site, 1))]
        rendered += [(p.url, family.article_page(p)) for p in site.placements]
        domain = host.split(".", 1)[1]
        for url, html in rendered:
            assert ours(html, url, [domain], allow, deny) == scrapy_links(html, url, [domain], allow, deny), url
            pages += 1
    assert pages > 15


def test_hostile_hrefs_are_handled_like_scrapy():
    html = """<html><head><base href="http://www.a.test/news/"></head><body>
      <a href=" 2024/1.html ">one</a> <a href="2024/1.html#comments">one again</a>
      <a href="with space.html">space</a> <a href="铝价.html">非ASCII</a> <a href="%E9%93%9D.html">escaped</a>
      <a href="javascript:void(0)">js</a> <a href="mailto:x@a.test">mail</a> <a href="file:///etc/passwd">file</a>
      <a href="ftp://www.a.test/x">ftp</a> <a href="http://elsewhere.test/x.html">offsite</a>
      <a href="/files/report.PDF">pdf</a> <a href="/feed.xml">feed</a> <area href="/map.html">
      <a href="http://[::1">bogus</a> <a>no href</a> <a href="//www.a.test/proto-relative.html"><b>bold</b> text</a>
    </body></html>"""
    url = "http://www.a.test/news/index.html"
    got = ours(html, url, ["a.test"])
    # The one intended difference: Scrapy's extractor also returns ftp:// links; ours http(s) only.
    assert got == [link for link in scrapy_links(html, url, ["a.test"]) if not link[0].startswith("ftp:")]
    urls = [u for u, _ in got]
    assert "http://www.a.test/news/with%20space.html" in urls
    assert "http://www.a.test/news/%E9%93%9D%E4%BB%B7.html" in urls
    assert not any(u.startswith(("javascript", "mailto", "file", "ftp")) or "elsewhere" in u for u in urls)
    assert not any(u.lower().endswith((".pdf", ".xml")) for u in urls)
    assert ("http://www.a.test/proto-relative.html", "bold text") in got


def test_links_from_the_extraction_tree_are_the_links_of_a_parse_of_their_own(family):
    # The page reader parses a page once (trafilatura's loader, after ruby stripping) and finds
    # the links on that tree before extraction prunes it: they must be SiteLinks' own links.
    from crawler.reading import read_page
    from pipelines.article_html import ExtractConfig, parse_html
    from pipelines.ruby import strip_ruby_markup

    rules = SiteLinks([], None, re.compile(r"/tag/"))
    pages = 0
    for host, site in family.sites.items():
        rendered = [(f"http://{host}/", family.home_page(site))] + [(p.url, family.article_page(p)) for p in site.placements]
        for url, html in rendered:
            stripped = strip_ruby_markup(html)[0]
            own = rules.extract(html, url)
            assert own, url
            assert rules.extract(stripped, url, root=parse_html(stripped)) == own, url
            reading = read_page(html.encode("utf-8"), "text/html; charset=utf-8", url, rules, ExtractConfig(), False)
            assert reading.links == own, url
            pages += 1
    assert pages > 10
    # Extraction prunes recommendation blocks from the tree: their links are still followed.
    page = ("<html><head><title>铝价上涨</title></head><body><h1>铝价上涨</h1><div class='content'>"
            + "<p>今日铝价继续上涨，市场需求旺盛，库存下降，分析人士认为后市仍有上涨空间。</p>" * 6
            + "</div><div class='xgxw'><a href='/news/2024/9.html'>相关新闻：铜价回落</a></div></body></html>")
    url = "http://www.a.test/news/2024/1.html"
    reading = read_page(page.encode("utf-8"), "text/html; charset=utf-8", url, rules, ExtractConfig(), True)
    assert reading.extraction[0] == "ok"
    assert [link.url for link in reading.links] == ["http://www.a.test/news/2024/9.html"]
