"""The generic ``news`` spider: discovery and fetching only, no text cleaning.

    scrapy crawl news -a sites=sites.toml

For each site of the sites file it reads start pages (following links inside
the site, pagination included, up to ``max_depth`` hops), sitemaps (indexes,
news sitemaps, robots.txt ``Sitemap:`` lines) and RSS/Atom feeds. Every HTML
page that may be an article is decoded with a verified charset and handed to
the item pipeline as an ``Article`` with its decoded HTML; the pipeline
decides whether it really is one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable
from datetime import datetime, timezone
from typing import Any

import scrapy
from lxml import etree
from scrapy.http import HtmlResponse, Response
from scrapy.linkextractors import IGNORED_EXTENSIONS, LinkExtractor
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from crawler.feeds import run_timestamp
from crawler.items import Article
from crawler.sites import SiteConfig, load_sites
from pipelines.charset import decode_body

logger = logging.getLogger(__name__)

# Link texts and rel values that mark list-page pagination.
_PAGINATION_TEXT = re.compile(r"^\s*(下一?页|上一?页|下页|上页|尾页|首页|末页|下一頁|上一頁|尾頁|首頁|next|prev(ious)?|last|first|[»›>]+|\d{1,4})\s*$", re.I)
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_FEED_ITEM_LINKS = "//item/link/text() | //*[local-name()='entry']/*[local-name()='link'][not(@rel) or @rel='alternate']/@href"


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, sites: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sites_path = sites
        self.sites: list[SiteConfig] = []
        self._extractors: dict[str, LinkExtractor] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> "NewsSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.run_id = run_timestamp()  # names this run's dump, duplicates file and manifest
        settings = crawler.settings
        path = spider.sites_path or settings.get("NEWS_SITES_FILE")
        spider.sites_path = path
        spider.sites = load_sites(path, settings.getint("NEWS_DEFAULT_MAX_DEPTH"))
        # Offsite filtering: the union of every site's domains; each site's own
        # link following is further limited to its own domains.
        spider.allowed_domains = sorted({d for s in spider.sites for d in s.allowed_domains})
        # Per-site politeness: a download slot per host with the site's delay.
        slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
        for site in spider.sites:
            if site.download_delay is not None:
                for host in site.hosts:
                    slots.setdefault(host, {})["delay"] = site.download_delay
        if slots:
            settings.set("DOWNLOAD_SLOTS", slots, priority="spider")
        for site in spider.sites:
            spider._extractors[site.name] = LinkExtractor(
                allow=[site.follow_pattern.pattern] if site.follow_pattern else (),
                deny=[site.deny_pattern.pattern] if site.deny_pattern else (),
                allow_domains=list(site.allowed_domains),
                deny_extensions=IGNORED_EXTENSIONS + ["xml", "json", "rss", "atom", "txt", "csv"],
                unique=True,
            )
        logger.info("Loaded %d sites from %s", len(spider.sites), path)
        return spider

    # -- requests ---------------------------------------------------------------

    def _request(self, url: str, site: SiteConfig, callback: Any, depth: int = 0, **meta: Any) -> scrapy.Request:
        meta = {"site": site.name, "site_depth": depth, **meta}
        # Pages that may be articles: the incremental middleware may skip them. Start pages,
        # list pages, sitemaps and feeds are always fetched.
        meta["article_candidate"] = callback == self.parse_page and not meta.get("listing")
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for site in self.sites:
            self.crawler.stats.inc_value("news/sites")
            for url in site.start_urls:
                yield self._request(url, site, self.parse_listing, listing=True)
            for url in site.sitemaps:
                yield self._request(url, site, self.parse_sitemap)
            for url in site.feeds:
                yield self._request(url, site, self.parse_feed)

    def site_of(self, response: Response) -> SiteConfig:
        name = response.meta["site"]
        return next(s for s in self.sites if s.name == name)

    def on_error(self, failure: Any) -> None:
        request = failure.request
        kind = failure.type.__name__ if failure.type else "Exception"
        if kind == "AlreadyFetched":
            return  # incremental skip: counted by the middleware, not an error
        response = getattr(failure.value, "response", None)
        if response is not None:  # HttpError: an ordinary per-page outcome
            kind = f"http_{response.status}"
        self.crawler.stats.inc_value(f"news/error/{kind}")
        self.crawler.stats.inc_value(f"news/site/{request.meta.get('site')}/errors")
        self.crawler.stats.inc_value(f"news/site/{request.meta.get('site')}/error/{kind}")
        level = logging.INFO if response is not None or kind == "IgnoreRequest" else logging.WARNING
        logger.log(level, "Fetch failed for %s: %s", request.url, failure.getErrorMessage())

    # -- pages --------------------------------------------------------------------

    def _is_html(self, response: Response) -> bool:
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        if ctype and not any(t in ctype for t in _HTML_TYPES):
            return False
        head = response.body[:1024].lstrip().lower()
        # Binary served as HTML: a PDF/PNG/ZIP signature or NUL bytes in the head.
        return not (head.startswith((b"%pdf", b"\x89png", b"pk\x03\x04", b"gif8", b"\xff\xd8")) or b"\x00" in head)

    def parse_listing(self, response: Response) -> Iterable[Any]:
        """A start or list page: follow its links; it is not an article itself."""
        yield from self.parse_page(response)

    def parse_page(self, response: Response) -> Iterable[Any]:
        site = self.site_of(response)
        stats = self.crawler.stats
        stats.inc_value(f"news/site/{site.name}/pages")
        if response.status >= 400:
            stats.inc_value(f"news/skipped/http_{response.status}")
            return
        if not self._is_html(response):
            stats.inc_value("news/skipped/not_html")
            logger.info("Skipped non-HTML page %s", response.url)
            return
        decoded = decode_body(response.body, response.headers, response.url)
        if decoded.overridden:
            stats.inc_value("decode/charset_overridden")
            stats.inc_value(f"news/site/{site.name}/charset_overridden")
            logger.info("Charset of %s: declared %s, decoded as %s", response.url, decoded.declared, decoded.encoding)
        for w in decoded.warnings:
            if w != "charset-overridden":
                stats.inc_value(f"decode/{w}")

        page = HtmlResponse(url=response.url, body=decoded.text.encode("utf-8"), encoding="utf-8")
        depth = response.meta.get("site_depth", 0)
        listing = bool(response.meta.get("listing"))
        if depth < site.max_depth:
            yield from self._follow(page, site, depth)

        is_article = site.is_article_url(response.url)
        if is_article is False or (is_article is None and listing):
            return
        if not response.meta.get("known_non_article"):
            stats.inc_value(f"news/site/{site.name}/candidates")
        yield Article(
            url=response.url,
            site=site.name,
            domain=(response.url.split("/")[2].split(":")[0]).lower(),
            fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            http_status=response.status,
            encoding=decoded.encoding,
            encoding_source=decoded.source,
            warnings=list(decoded.warnings),
            html=decoded.text,
            discovered_via=response.meta.get("via", "link"),
            url_is_article=is_article,
            date_hint=(response.meta.get("lastmod") or "")[:10] or None,
            etag=(response.headers.get(b"ETag") or b"").decode("latin-1") or None,
            last_modified=(response.headers.get(b"Last-Modified") or b"").decode("latin-1") or None,
            revisit=bool(response.meta.get("revisit")),
        )

    def _follow(self, page: HtmlResponse, site: SiteConfig, depth: int) -> Iterable[scrapy.Request]:
        for link in self._extractors[site.name].extract_links(page):
            # Pagination and (with an article_pattern) non-article links lead to
            # list pages: follow them, never emit them as articles.
            listing = bool(_PAGINATION_TEXT.match(link.text or "")) or site.is_article_url(link.url) is False
            callback = self.parse_listing if listing else self.parse_page
            yield self._request(link.url, site, callback, depth + 1, listing=listing)

    # -- sitemaps and feeds ----------------------------------------------------------

    def parse_sitemap(self, response: Response) -> Iterable[scrapy.Request]:
        site = self.site_of(response)
        stats = self.crawler.stats
        if response.url.endswith("/robots.txt"):
            for url in sitemap_urls_from_robots(response.body, base_url=response.url):
                yield self._request(url, site, self.parse_sitemap)
            return
        body = response.body
        if gzip_magic_number(response):
            try:
                body = gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
            except Exception:
                stats.inc_value("news/error/sitemap_gzip")
                logger.warning("Unreadable gzipped sitemap %s", response.url)
                return
        try:
            sitemap = Sitemap(body)  # lxml with resolve_entities=False: no entity expansion
        except Exception as exc:  # lxml raises XMLSyntaxError and friends
            stats.inc_value("news/error/sitemap_invalid")
            logger.warning("Invalid sitemap %s: %s", response.url, exc)
            return
        if sitemap.type == "sitemapindex":
            for entry in sitemap:
                if entry.get("loc") and entry["loc"] != response.url:
                    yield self._request(entry["loc"], site, self.parse_sitemap)
            return
        for entry in sitemap:
            loc = entry.get("loc")
            if not loc or not site.owns(loc):
                continue
            stats.inc_value("news/sitemap_urls")
            yield self._request(loc, site, self.parse_page, 1, lastmod=entry.get("lastmod"), via="sitemap")

    def parse_feed(self, response: Response) -> Iterable[scrapy.Request]:
        site = self.site_of(response)
        try:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
            root = etree.fromstring(response.body, parser=parser)
        except etree.XMLSyntaxError as exc:
            root = None
            logger.warning("Invalid feed %s: %s", response.url, exc)
        if root is None:
            self.crawler.stats.inc_value("news/error/feed_invalid")
            return
        for link in root.xpath(_FEED_ITEM_LINKS):
            url = response.urljoin(str(link).strip())
            if site.owns(url):
                self.crawler.stats.inc_value("news/feed_urls")
                yield self._request(url, site, self.parse_page, 1, via="feed")
