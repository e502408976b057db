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


def test_home_section_and_list_pages_look_like_listings_by_their_url():
    from crawler.links import looks_like_listing

    for url in ("http://www.luan.test/", "http://www.luan.test", "http://www.luan.test/xwzx/index.htm", "http://a.test/news/list_3.html",
                "http://a.test/news/node_1021.htm", "http://a.test/news/node_1021_2.htm", "http://a.test/news/index_2.html",
                "http://a.test/sy/default.aspx"):
        assert looks_like_listing(url), url
    for url in ("http://www.cnmn.test/news/2023/0213/1002/index.html", "http://www.cnmn.test/news/2023/0213/1002/index_2.html",
                "http://www.luan.test/xwzx/2014-09/11/content_201.htm", "http://a.test/a/20230217/3002.shtml?page=2",
                "http://a.test/news/roll.html", "http://a.test/2019/09/slug/"):
        assert not looks_like_listing(url), url
