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
import secrets
from collections.abc import AsyncIterator, Iterable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import scrapy
from lxml import etree
from scrapy.http import Response
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from crawler.faults import fault_kind
from crawler.feeds import run_timestamp
from crawler.items import Article
from crawler.links import PageLink, SiteLinks, looks_like_listing
from crawler.middlewares import AlreadyFetched
from crawler.multipage import MultipageConfig, Story
from crawler.reading import PageReader, PageReading
from crawler.sites import SiteConfig, load_sites
from pipelines.text.extract_pool import WorkerCrashed

logger = logging.getLogger(__name__)

# Link texts and rel values that mark list-page pagination.
_PAGINATION_TEXT = re.compile(r"^\s*(下一?页|上一?页|下页|上页|尾页|首页|末页|下一頁|上一頁|尾頁|首頁|next|prev(ious)?|last|first|[»›>]+|\d{1,4})\s*$", re.I)
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def is_link_source(site: SiteConfig, url: str) -> bool:
    """A page read for its links only, never an article: the site's article_pattern says it is
    none, or, without one, its URL is a home, section or list page's (looks_like_listing)."""
    is_article = site.is_article_url(url)
    return is_article is False or (is_article is None and looks_like_listing(url))
_BINARY_MAGIC = (b"%pdf", b"\x89png", b"pk\x03\x04", b"gif8", b"\xff\xd8\xff", b"\x1f\x8b", b"riff", b"\x00\x00\x01\x00")
_CONTROL_BYTES = bytes(c for c in range(32) if c not in (9, 10, 12, 13, 27))
_FEED_ENTRIES = "//item | //*[local-name()='entry']"
_FEED_ENTRY_LINK = "link/text() | *[local-name()='link'][not(@rel) or @rel='alternate']/@href"
_FEED_ENTRY_DATE = "pubDate/text() | *[local-name()='updated' or local-name()='published']/text()"
# No entity expansion, no network, no huge trees: safe for XML from anywhere.
_XML_SAFE = {"resolve_entities": False, "no_network": True, "huge_tree": False, "load_dtd": False}


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, sites: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sites_path = sites
        self.sites: list[SiteConfig] = []
        self._links: dict[str, SiteLinks] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> "NewsSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.run_id = run_timestamp()  # names this run's dump, duplicates file and manifest
        if crawler.settings.get("REDIS_URL"):
            spider.run_id += "-" + secrets.token_hex(3)  # one of several workers: each has its own dump
        settings = crawler.settings
        path = spider.sites_path or settings.get("NEWS_SITES_FILE")
        spider.sites_path = path
        spider.sites = spider.load_sites(path, settings)
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
            spider._links[site.name] = SiteLinks(site.allowed_domains, site.follow_pattern, site.deny_pattern)
        spider.multipage = MultipageConfig.from_settings(settings)
        spider.reader = PageReader.from_crawler(crawler)
        logger.info("Loaded %d sites from %s", len(spider.sites), path)
        return spider

    def load_sites(self, path: str, settings: Any) -> list[SiteConfig]:
        return load_sites(path, settings.getint("NEWS_DEFAULT_MAX_DEPTH"))

    def link_rules(self, site: SiteConfig, depth: int) -> SiteLinks | None:
        """The links to follow from a page at this depth (None: the page's links are not read)."""
        return self._links[site.name] if depth < site.max_depth else None

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

    def closed(self, reason: str) -> None:
        self.reader.close()

    def site_of(self, response: Response) -> SiteConfig:
        name = response.meta["site"]
        return next(s for s in self.sites if s.name == name)

    def on_error(self, failure: Any) -> None:
        """The last word on a request that failed: one ``faults/<kind>`` count and one log line."""
        request = failure.request
        tracker = getattr(self.crawler, "inflight", None)
        if tracker is not None:  # distributed mode: the request is settled
            tracker.request_failed(request)
        if isinstance(failure.value, AlreadyFetched):
            return  # incremental skip: counted by the middleware, not a fault
        kind = fault_kind(failure.value, request)
        self.count_fault(kind, request.meta.get("site"), request.url, failure.getErrorMessage())
        self.crawler.stats.inc_value("faults/skipped")

    def count_fault(self, kind: str, site: str | None, url: str, reason: str, level: int = logging.INFO) -> None:
        stats = self.crawler.stats
        stats.inc_value(f"faults/{kind}")
        stats.inc_value(f"news/site/{site}/errors")
        stats.inc_value(f"news/site/{site}/error/{kind}")
        logger.log(level, "Skipped %s [%s]: %s", url, kind, reason)

    # -- pages --------------------------------------------------------------------

    def _page_fault(self, response: Response) -> tuple[str, str] | None:
        """Why a response is no HTML page to read, or None. Binary is told from the bytes, not
        the header: PDFs and images are served as text/html."""
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        if ctype and not any(t in ctype for t in _HTML_TYPES):
            return "not_html", f"Content-Type {ctype}"
        if not response.body.strip():
            return "empty_body", "200 with an empty body"
        head = response.body[:4096]
        if head.lstrip()[:8].lower().startswith(_BINARY_MAGIC):
            return "binary_as_html", "binary signature in the body"
        if not head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 is full of NUL bytes
            control = len(head) - len(head.translate(None, _CONTROL_BYTES))  # one pass
            if control > len(head) * 0.1:
                return "binary_as_html", f"{control} control bytes in the first {len(head)}"
        return None

    async def parse_listing(self, response: Response) -> AsyncIterator[Any]:
        """A start or list page: follow its links; it is not an article itself."""
        async for out in self.parse_page(response):
            yield out

    async def parse_page(self, response: Response) -> AsyncIterator[Any]:
        site = self.site_of(response)
        stats = self.crawler.stats
        stats.inc_value(f"news/site/{site.name}/pages")
        if response.status >= 400:
            self.count_fault(f"http_{response.status}", site.name, response.url, "HTTP error page")
            return
        fault = self._page_fault(response)
        if fault is not None:
            self.count_fault(fault[0], site.name, response.url, fault[1])
            return
        depth = response.meta.get("site_depth", 0)
        is_article = site.is_article_url(response.url)
        article = not (is_article is False or (is_article is None and response.meta.get("listing")))
        follow = self.link_rules(site, depth)
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        try:
            reading = await self.reader.read(response.body, content_type, response.url, follow, article, is_article is True,
                                             site=site.name)
        except WorkerCrashed:
            return  # counted and logged by the reader; this page alone is lost
        except Exception as exc:  # a library failure on one page (extraction's own are caught inside)
            self.count_fault("read_error", site.name, response.url, repr(exc)[:300], logging.WARNING)
            return
        if "nul-bytes" in reading.warnings:
            stats.inc_value("faults/nul_bytes")
        if reading.overridden:
            stats.inc_value("decode/charset_overridden")
            stats.inc_value(f"news/site/{site.name}/charset_overridden")
            logger.info("Charset of %s: declared %s, decoded as %s", response.url, reading.declared, reading.encoding)
        for w in reading.warnings:
            if w not in ("charset-overridden", "nul-bytes"):
                stats.inc_value(f"decode/{w}")

        pager = reading.pager if self.multipage.enabled else None
        for request in self._follow(reading.links, site, depth, pager.story_urls if pager else ()):
            yield request
        if not article:
            return
        if pager is not None and pager.first_url:
            # A later page of a multi-page story reached on its own (sitemap, list, search): never
            # an article alone. Its first page is asked for instead (once: the dupefilter) and
            # brings this page with it.
            stats.inc_value("multipage/later_page_alone")
            logger.info("%s is a later page of %s: the story is read from its first page", response.url, pager.first_url)
            request = self.story_head_request(pager.first_url, site, depth, response)
            if request is not None:
                yield request
            return
        if not response.meta.get("known_non_article"):
            stats.inc_value(f"news/site/{site.name}/candidates")
        item = self._article(response, site, reading, is_article)
        if pager is not None and pager.next_url and reading.extraction and reading.extraction[0] == "ok":
            yield self._next_page(Story.start(item, depth), pager.next_url, site)
            return
        yield item

    def _article(self, response: Response, site: SiteConfig, reading: PageReading, is_article: bool | None) -> Article:
        return Article(
            url=response.url,
            site=site.name,
            domain=(response.url.split("/")[2].split(":")[0]).lower(),
            # (a page read from an archive was fetched when it was captured)
            fetched_at=response.meta.get("fetched_at") or datetime.now(timezone.utc).isoformat(timespec="seconds"),
            http_status=response.status,
            encoding=reading.encoding,
            encoding_source=reading.encoding_source,
            warnings=reading.warnings,
            extraction=reading.extraction,
            prepared=reading.prepared,
            discovered_via=response.meta.get("via", "link"),
            url_is_article=is_article,
            # A publication date, not a modification time: a feed's date never skips a fetch.
            date_hint=(response.meta.get("lastmod") or response.meta.get("feed_date") or "")[:10] or None,
            etag=(response.headers.get(b"ETag") or b"").decode("latin-1") or None,
            last_modified=(response.headers.get(b"Last-Modified") or b"").decode("latin-1") or None,
            revisit=bool(response.meta.get("revisit")),
            pages=[response.url],
            revision=bool(response.meta.get("dumped_before")),  # (DedupStage sets it for other revisits)
        )

    # -- multi-page articles (crawler/multipage.py) -----------------------------------

    def _next_page(self, story: Story, url: str, site: SiteConfig) -> Any:
        """The request for a story's next page, or the story as one article when it ends here:
        the pager loops back to a page already read, or MULTIPAGE_MAX_PAGES is reached."""
        stats = self.crawler.stats
        if not story.mark_requested(url):  # (the first page and every page requested)
            stats.inc_value("multipage/loop")
            logger.info("Pager of %s loops back to %s after %d pages: the story ends there", story.head.url, url, len(story.pages))
            return self._story_done(story)
        if len(story.pages) >= self.multipage.max_pages:
            stats.inc_value("multipage/max_pages")
            logger.warning("%s has more than MULTIPAGE_MAX_PAGES=%d pages: joined the first %d", story.head.url, self.multipage.max_pages, len(story.pages))
            return self._story_done(story, "multipage-truncated")
        meta = {"site": site.name, "site_depth": story.depth, "article_candidate": False}
        # dont_filter: the page may have been fetched on its own already (a sitemap lists it);
        # loops are stopped by the story's own seen set. Ahead of other pages, so a story is
        # not held in memory longer than its pages take.
        return scrapy.Request(url, callback=self.parse_story_page, errback=self.on_story_error, meta=meta,
                              cb_kwargs={"story": story}, dont_filter=True, priority=10)

    def story_head_request(self, url: str, site: SiteConfig, depth: int, response: Response) -> scrapy.Request | None:
        """The request for the first page of a story whose later page ``response`` was reached
        on its own (the dupefilter drops it when that page was asked for already)."""
        return self._request(url, site, self.parse_page, depth, via=response.meta.get("via", "link"))

    def _story_done(self, story: Story, *flags: str) -> Article:
        stats = self.crawler.stats
        if len(story.pages) > 1:
            stats.inc_value("multipage/joined")
            stats.inc_value("multipage/pages", len(story.pages))
        if "multipage-incomplete" in flags:
            stats.inc_value("multipage/incomplete")
        logger.info("Joined %d pages of %s%s", len(story.pages), story.head.url, f" ({', '.join(flags)})" if flags else "")
        return story.article(*flags)

    def _story_failed(self, story: Story, url: str, why: str) -> Article:
        logger.warning("Page %d of %s (%s) failed: %s; the %d pages read are dumped, flagged multipage-incomplete",
                       len(story.pages) + 1, story.head.url, url, why, len(story.pages))
        return self._story_done(story, "multipage-incomplete")

    async def parse_story_page(self, response: Response, story: Story) -> AsyncIterator[Any]:
        """A later page of a multi-page article: read it, add it, go on to the next."""
        site = self.site_of(response)
        self.crawler.stats.inc_value(f"news/site/{site.name}/pages")
        fault = (f"http_{response.status}", "HTTP error page") if response.status >= 400 else self._page_fault(response)
        if fault is not None:
            self.count_fault(fault[0], site.name, response.url, fault[1])
            yield self._story_failed(story, response.url, fault[0])
            return
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        try:
            reading = await self.reader.read(response.body, content_type, response.url, self.link_rules(site, story.depth),
                                             True, True, (story.head.url, len(story.pages) + 1))
        except WorkerCrashed:
            yield self._story_failed(story, response.url, "worker crashed")
            return
        except Exception as exc:
            self.count_fault("read_error", site.name, response.url, repr(exc)[:300], logging.WARNING)
            yield self._story_failed(story, response.url, "read_error")
            return
        if not reading.extraction or reading.extraction[0] != "ok":
            # (a list page's pagination, or a page that lost its article: never joined)
            yield self._story_failed(story, response.url, f"no article on the page ({reading.extraction[1] if reading.extraction else 'unread'})")
            return
        story.add(response.url, reading.extraction, reading.warnings)
        pager = reading.pager
        for request in self._follow(reading.links, site, story.depth, (pager.story_urls if pager else frozenset()) | story.seen):
            yield request
        if pager is not None and pager.next_url:
            yield self._next_page(story, pager.next_url, site)
        else:
            yield self._story_done(story)

    def on_story_error(self, failure: Any) -> Iterable[Article]:
        """A later page could not be fetched (after its retries): the story is dumped with the
        pages it has, flagged ``multipage-incomplete``; its URL state is left due for a revisit."""
        self.on_error(failure)
        story = failure.request.cb_kwargs["story"]
        return [self._story_failed(story, failure.request.url, fault_kind(failure.value, failure.request))]

    def _follow(self, links: list[PageLink], site: SiteConfig, depth: int, story_urls: Iterable[str] = ()) -> Iterable[scrapy.Request]:
        for link in links:
            if story_urls and link.url.split("#", 1)[0] in story_urls:
                continue  # a page of this article's own pager: fetched as part of the story
            # Pagination and (with an article_pattern) non-article links lead to
            # list pages: follow them, never emit them as articles.
            listing = bool(_PAGINATION_TEXT.match(link.text or "")) or is_link_source(site, link.url)
            callback = self.parse_listing if listing else self.parse_page
            yield self._request(link.url, site, callback, depth + 1, listing=listing)

    # -- sitemaps and feeds ----------------------------------------------------------

    def _xml_body(self, response: Response, what: str) -> bytes | None:
        """The XML of a sitemap or feed, gunzipped within DOWNLOAD_MAXSIZE; None when unreadable.

        Parsed strictly first, without entities, network or huge trees: an invalid document
        is counted (``faults/<what>_invalid``) and then read by a recovering parser, which
        still salvages the URLs before the damage. Entity declarations are never expanded
        (``faults/xml_entities_ignored``): a billion-laughs sitemap stays its own size.
        """
        site = response.meta.get("site")
        body = response.body
        if gzip_magic_number(response):
            try:
                body = gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
            except Exception as exc:
                self.count_fault(f"{what}_gzip", site, response.url, f"unreadable gzip: {exc}", logging.WARNING)
                return None
        if not body.strip():
            self.count_fault(f"{what}_empty", site, response.url, "empty document", logging.WARNING)
            return None
        if b"<!ENTITY" in body[:65536]:
            self.crawler.stats.inc_value("faults/xml_entities_ignored")
            logger.warning("%s %s declares XML entities: read without expanding them", what, response.url)
        try:
            etree.fromstring(body, parser=etree.XMLParser(**_XML_SAFE))
        except etree.XMLSyntaxError as exc:
            self.count_fault(f"{what}_invalid", site, response.url, f"invalid XML ({exc}); URLs before the error kept", logging.WARNING)
        return body

    def parse_sitemap(self, response: Response) -> Iterable[scrapy.Request]:
        site = self.site_of(response)
        stats = self.crawler.stats
        if response.url.endswith("/robots.txt"):
            for url in sitemap_urls_from_robots(response.body, base_url=response.url):
                yield self._request(url, site, self.parse_sitemap)
            return
        body = self._xml_body(response, "sitemap")
        if body is None:
            return
        try:
            sitemap = Sitemap(body)  # lxml with resolve_entities=False, recover=True
            kind, entries = sitemap.type, list(sitemap)
        except Exception as exc:  # nothing salvageable (not XML at all)
            stats.inc_value("faults/sitemap_unreadable")
            logger.warning("Unreadable sitemap %s: %r", response.url, exc)
            return
        if kind == "sitemapindex":
            for entry in entries:
                loc = (entry.get("loc") or "").strip()
                if loc == response.url:
                    self.count_fault("sitemap_loop", site.name, loc, "sitemap index lists itself")
                elif loc:
                    # An index that points back through another one is stopped by the dupefilter.
                    yield self._request(loc, site, self.parse_sitemap)
            return
        for entry in entries:
            loc = entry.get("loc")
            if not loc or not site.owns(loc):
                continue
            stats.inc_value("news/sitemap_urls")
            yield self._request(loc, site, self.parse_page, 1, lastmod=entry.get("lastmod"), via="sitemap")

    def parse_feed(self, response: Response) -> Iterable[scrapy.Request]:
        site = self.site_of(response)
        body = self._xml_body(response, "feed")
        root = None
        if body is not None:
            try:
                root = etree.fromstring(body, parser=etree.XMLParser(**_XML_SAFE, recover=True))
            except etree.XMLSyntaxError:
                root = None
        if root is None:
            self.crawler.stats.inc_value("faults/feed_unreadable")
            return
        for entry in root.xpath(_FEED_ENTRIES):
            links = entry.xpath(_FEED_ENTRY_LINK)
            if not links:
                continue
            url = response.urljoin(str(links[0]).strip())
            if not site.owns(url):
                continue
            date_hint = None
            stamp = entry.xpath(_FEED_ENTRY_DATE)
            if stamp:
                date_hint = _feed_date(str(stamp[0]))
                if date_hint is None:
                    # The date is only a hint for the article's own: the link is still followed.
                    self.crawler.stats.inc_value("faults/feed_bad_date")
                    logger.info("Feed %s: unreadable date %r for %s", response.url, str(stamp[0])[:60], url)
            self.crawler.stats.inc_value("news/feed_urls")
            yield self._request(url, site, self.parse_page, 1, via="feed", feed_date=date_hint)


def _feed_date(value: str) -> str | None:
    """An RSS (RFC 822) or Atom (ISO 8601) date as ISO 8601, or None when it is not one."""
    value = value.strip()
    try:
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        return None
