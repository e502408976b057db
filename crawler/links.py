"""Links to follow on a page: Scrapy's LinkExtractor rules, at a fraction of its cost.

Scrapy's ``LxmlLinkExtractor`` was 16% of the crawl's CPU (README, Throughput): it walks
every element of the page in Python (one lxml proxy object each) to find ``<a>``/``<area>``,
and canonicalises every link twice to de-duplicate. ``SiteLinks`` keeps its rules (the
same base URL, joining, URL escaping, allow/deny patterns, domains and extensions,
first-seen order) but walks only ``<a>``/``<area>`` in C and de-duplicates on the URL
without its fragment; the scheduler's dupefilter canonicalises what is finally requested.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlparse

from lxml import etree
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.utils.url import url_has_any_extension, url_is_from_any_domain
from w3lib.html import get_base_url, strip_html5_whitespace
from w3lib.url import safe_url_string

# Besides Scrapy's binary extensions: sitemaps, feeds and data files are not pages.
DENY_EXTENSIONS = tuple(f".{e}" for e in [*IGNORED_EXTENSIONS, "xml", "json", "rss", "atom", "txt", "csv"])
_PARSER = etree.HTMLParser(recover=True, encoding="utf-8", remove_comments=True, remove_pis=True)
_TEXT = etree.XPath("string()")
# A URL made only of these (and %XX escapes) is left as it is by safe_url_string: skip the call.
_URL_SAFE = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")


# Section and list pages by their file name: index.htm, default.aspx, list_3.html, node_1021.htm,
# index_2.html (a list's page 2). An article's own index.html sits under a dated or numbered
# directory (/news/2023/0213/1002/index.html), which these never do.
_LISTING_FILE = re.compile(r"^(?:index|default|list|node_\d+)(?:[_-]\d{1,4})?\.(?:s?html?|php|aspx?|jsp)$", re.I)
_NUMBERED_DIR = re.compile(r"\d{3,}")


def looks_like_listing(url: str) -> bool:
    """A site's home, section or list page by its URL alone: what a crawl reaches as a start
    page or through a pager and reads for links only. The live crawl and the warc spider
    both treat such URLs as list pages when no article_pattern says otherwise."""
    path = urlparse(url).path or "/"
    if path == "/":
        return True
    directory, _, name = path.rpartition("/")
    # A directory's own page ("/big5/news/") is its index, as "index.htm" is.
    return (not name or bool(_LISTING_FILE.match(name))) and not _NUMBERED_DIR.search(directory)


@dataclass(frozen=True)
class PageLink:
    url: str
    text: str


class SiteLinks:
    """The links of one site's pages that the site's rules let the spider follow."""

    def __init__(self, domains: Iterable[str], allow: re.Pattern[str] | None = None, deny: re.Pattern[str] | None = None) -> None:
        self.domains = tuple(d.lower() for d in domains)
        self.allow = allow
        self.deny = deny

    def _allowed(self, url: str) -> bool:
        if url.split("://", 1)[0] not in ("http", "https"):
            return False
        if self.allow is not None and not self.allow.search(url):
            return False
        if self.deny is not None and self.deny.search(url):
            return False
        parts = urlparse(url)  # parsed once for Scrapy's two checks, as its LinkExtractor does
        if self.domains and not url_is_from_any_domain(parts, self.domains):
            return False
        return not url_has_any_extension(parts, DENY_EXTENSIONS)

    def extract(self, html: str, page_url: str, root: etree._Element | None = None) -> list[PageLink]:
        """The followable links of a page (decoded HTML), first occurrence first.
        ``root``: the page already parsed (by extraction's loader), so it is parsed once."""
        if root is None:
            try:
                root = etree.fromstring(html.encode("utf-8"), parser=_PARSER)
            except (etree.XMLSyntaxError, ValueError):
                return []
            if root is None:
                return []
        base = get_base_url(html[:4096], page_url)
        seen: set[str] = set()
        links: list[PageLink] = []
        for el in root.iter("a", "area"):
            href = el.get("href")
            if href is None:
                continue
            try:
                url = urljoin(base, strip_html5_whitespace(href))
                if not _URL_SAFE.fullmatch(url):
                    url = safe_url_string(url, encoding="utf-8")
                if not url.startswith(("http://", "https://")):
                    url = urljoin(page_url, url)  # as Scrapy: relative again after escaping
            except ValueError:
                continue  # a bogus link
            key = url.split("#", 1)[0]
            if key in seen or not self._allowed(url):
                continue
            seen.add(key)
            links.append(PageLink(url, str(_TEXT(el))))
        return links
