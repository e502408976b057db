"""The page reader: one parse gives the links and the article (crawler/reading.py)."""

from __future__ import annotations

import re

from crawler.links import SiteLinks
from crawler.reading import read_page
from pipelines.text.article_html import ExtractConfig, parse_html
from pipelines.text.ruby import strip_ruby_markup


def test_links_from_the_extraction_tree_are_the_links_of_a_parse_of_their_own(family):
    # The page reader parses a page once (trafilatura's loader, after ruby stripping) and finds
    # the links on that tree before extraction prunes it: they must be SiteLinks' own links.
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
