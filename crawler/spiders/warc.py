"""The ``warc`` spider: the news pipeline over WARC files instead of the network.

    scrapy crawl warc -a warc=PATH[,PATH...] -a sites=sites.toml [-a hosts=all]

PATH is a file, a folder (its ``*.warc``/``*.warc.gz``) or a glob; gzip'd per record,
as a whole, or not at all. Every usable response record (``pipelines/warc/reader.py``)
becomes a request that ``WarcDownloadHandler`` answers from the record itself: the
http and https download handlers are replaced, so no request can reach the network.
The response then takes the news spider's own path: the downloader middlewares
(decompression, the response guard, the incremental skip), ``parse_page``, the page
reader in the extraction workers and every stage. Links are not followed.

A record belongs to the site whose domains own its host; records of other hosts are
skipped and counted (``warc/skipped/offsite``), unless ``-a hosts=all`` makes one
site per host (named after the host). Pages of our own archives carry a metadata
record (how the page was found, its sitemap/feed date, whether it was a list page),
so re-extraction judges them exactly as the crawl did.

Multi-page articles (MULTIPAGE_ENABLED): before reading, the spider indexes the response
records of the whole file set by URL (``WarcReader.index_urls``: one streaming pass over the
records' headers, 16 bytes a record). A story's later pages are then requested as in the
live crawl, and ``WarcDownloadHandler`` answers such a request, which carries no record, by
reading the URL's record at its offset. A URL the archive lacks fails as any missing record
(``faults/no_record``): the story is dumped with the pages it has, ``multipage-incomplete``.
A later page's own record is never an article alone; when its first page is in the file set
the story is read from that page's record (here or, in distributed mode, by the worker that
claims its file), else the first page is asked for and fails the same way.

Stats: ``warc/files``, ``warc/records/<type>``, ``warc/pages``, ``warc/skipped/<reason>``,
``warc/revisits_resolved``, ``warc/files_claimed_elsewhere`` (distributed mode),
``warc/index/records``, ``warc/pages_by_url`` (pages read on demand: a story's later pages).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from crawler.archive import WarcFileClaims
from crawler.faults import Fault
from crawler.links import SiteLinks
from crawler.sites import SiteConfig
from crawler.spiders.news import NewsSpider, is_link_source
from pipelines.warc.reader import Skip, UrlIndex, WarcPage, WarcReader, expand_paths

logger = logging.getLogger(__name__)

_HANDLER = "crawler.archive.WarcDownloadHandler"
_SITE_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_.-")


class WarcSpider(NewsSpider):
    name = "warc"
    reads_archives = True  # ArchiveMiddleware stays off
    custom_settings = {
        # The only way a request is answered: from the WARC record it carries.
        "DOWNLOAD_HANDLERS": {"http": _HANDLER, "https": _HANDLER, "file": None, "s3": None, "ftp": None, "data": None},
        "ROBOTSTXT_OBEY": False,  # robots.txt was the capturing crawler's business; fetching it would be a request
        "REDIRECT_ENABLED": False,  # redirect records are skipped; their targets are records of their own
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
        # Records are requests only for this process: the work shared between workers is files.
        "SCHEDULER": "scrapy.core.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",
    }

    def __init__(self, warc: str | None = None, sites: str | None = None, hosts: str | None = None, job: str | None = None, **kwargs: Any) -> None:
        super().__init__(sites=sites, **kwargs)
        if hosts not in (None, "", "all"):
            raise ValueError(f"hosts: only 'all' is known (one site per host), got {hosts!r}")
        self.all_hosts = hosts == "all"
        self.sites_given = sites is not None
        self.paths = expand_paths(warc or "")
        self.job = job
        self._host_site: dict[str, SiteConfig | None] = {}
        self._by_name: dict[str, SiteConfig] = {}
        self.url_index: UrlIndex | None = None  # with MULTIPAGE_ENABLED: the file set's pages by URL

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> "WarcSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        try:
            max_bytes = s.getint("WARC_MAX_RECORD_BYTES")
        except ValueError:
            max_bytes = -1
        if max_bytes <= 0:
            raise ValueError(f"WARC_MAX_RECORD_BYTES must be a number of bytes > 0, got {s.get('WARC_MAX_RECORD_BYTES')!r}")
        spider._by_name = {site.name: site for site in spider.sites}
        if spider.all_hosts:
            spider.allowed_domains = []  # any host: each gets its own site
        spider.warc_reader = WarcReader(spider._wants, max_bytes, spider._count, spider._skipped)
        spider.claims = None
        if s.get("REDIS_URL"):
            from scrapy_redis import connection

            job = spider.job or hashlib.sha1("\n".join(map(str, spider.paths)).encode("utf-8")).hexdigest()[:16]
            spider.claims = WarcFileClaims(connection.from_settings(s), s.get("REDIS_PREFIX"), job, s.getint("WARC_CLAIM_TTL"), spider.run_id)
        logger.info("Reading %d WARC file(s) for %s", len(spider.paths), "every host" if spider.all_hosts else f"{len(spider.sites)} sites")
        return spider

    def load_sites(self, path: str, settings: Any) -> list[SiteConfig]:
        if self.all_hosts and not self.sites_given:
            return []  # one site per host, made as hosts appear
        return super().load_sites(path, settings)

    def link_rules(self, site: SiteConfig, depth: int) -> SiteLinks | None:
        return None  # an archive is read record by record: links lead nowhere

    def site_of(self, response: Response) -> SiteConfig:
        return self._by_name[response.meta["site"]]

    # -- records -> requests ---------------------------------------------------------

    def _site_for(self, url: str) -> SiteConfig | None:
        host = (urlsplit(url).hostname or "").lower()
        if host in self._host_site:
            return self._host_site[host]
        site = next((s for s in self.sites if s.owns(url)), None)
        if site is None and self.all_hosts and host:
            name = "".join(c if c in _SITE_NAME_CHARS else "_" for c in host)[:64].lstrip("._-") or "host"
            if name in self._by_name:
                name = ("host-" + name)[:64]
            site = SiteConfig(name=name, allowed_domains=(host,), hosts=frozenset({host}), max_depth=0)
            self.sites.append(site)
            self._by_name[name] = site
        self._host_site[host] = site
        return site

    def _wants(self, url: str) -> bool:
        return self._site_for(url) is not None

    def _count(self, key: str) -> None:
        self.crawler.stats.inc_value(f"warc/{key}")

    def _skipped(self, skip: Skip) -> None:
        where = f"{skip.path}@{skip.offset}" if skip.offset is not None else skip.path
        level = logging.DEBUG if skip.reason == "offsite" else logging.INFO
        if skip.reason in ("bad_gzip", "bad_record", "truncated", "unreadable_file"):
            level = logging.WARNING
        logger.log(level, "Skipped WARC record %s %s [%s]: %s", where, skip.url or "", skip.reason, skip.detail)

    # -- pages asked for by URL (multi-page articles) ---------------------------------

    async def _index_urls(self) -> None:
        """Index the whole file set, claimed by this worker or not: a story's pages may be
        in files another worker reads (their paths must be the same for every worker)."""
        began = time.monotonic()
        self.url_index = await maybe_deferred_to_future(deferToThread(self.warc_reader.index_urls, self.paths))
        self.crawler.stats.set_value("warc/index/records", len(self.url_index))
        logger.info("Indexed %d response records of %d WARC file(s) by URL in %.1f s (%.1f MB)", len(self.url_index),
                    len(self.paths), time.monotonic() - began, self.url_index.nbytes / 2**20)

    def page_by_url(self, url: str) -> WarcPage:
        """The archived page of ``url``, for a request that carries no record (a story's next
        page); raises Fault("no_record") when the file set has none that can be read."""
        where = self.url_index.locate(url) if self.url_index is not None else None
        if where is None:
            why = "not in the WARC files read" if self.url_index is None or url not in self.url_index else \
                "its record is inside a whole-file gzip, which cannot be read at an offset"
            raise Fault("no_record", f"no WARC record for {url}: {why} (the warc spider makes no network request)")
        page = self.warc_reader.page_at(where[0], where[1], url)
        if page is None:
            raise Fault("no_record", f"the WARC record of {url} at {where[0]}@{where[1]} is not a page (see its skip)")
        self.crawler.stats.inc_value("warc/pages_by_url")
        return page

    def story_head_request(self, url: str, site: SiteConfig, depth: int, response: Response) -> scrapy.Request | None:
        if self.url_index is not None and url in self.url_index:
            return None  # the story is read from its first page's own record
        return super().story_head_request(url, site, depth, response)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for site in self.sites:
            self.crawler.stats.inc_value("news/sites")
        if self.multipage.enabled:
            await self._index_urls()
        for path in self.paths:
            if self.claims is not None and not self.claims.claim(path):
                self.crawler.stats.inc_value("warc/files_claimed_elsewhere")
                logger.info("WARC file %s is read by another worker", path)
                continue
            logger.info("Reading %s", path)
            for page in self.warc_reader.read_file(path):
                yield self._request_for(page)
        for page in self.warc_reader.resolve_pending():
            yield self._request_for(page)

    def _request_for(self, page: WarcPage) -> scrapy.Request:
        site = self._site_for(page.url)
        fields = page.fields or {}
        # Our own archives say how the crawl read the page; other writers' (wget, Common Crawl)
        # do not: start pages and what the live crawl would read for links only are list pages.
        listing = fields.get("listing") == "1" if fields else (page.url in site.start_urls or is_link_source(site, page.url))
        meta: dict[str, Any] = {"listing": listing, "warc_page": page, "fetched_at": _iso_seconds(page.date)}
        if fields.get("via"):
            meta["via"] = fields["via"]
        if fields.get("lastmod"):
            meta["lastmod"] = fields["lastmod"]
        if fields.get("feed-date"):
            meta["feed_date"] = fields["feed-date"]
        callback = self.parse_listing if listing else self.parse_page
        request = self._request(page.url, site, callback, 0, **meta)
        request.dont_filter = True  # every capture is read, even of one URL; the stages judge copies
        return request


def _iso_seconds(warc_date: str) -> str | None:
    """WARC-Date (``2026-11-23T16:48:41.123456Z``) as the dump's ``fetched_at`` (seconds, +00:00)."""
    if not warc_date:
        return None
    return warc_date[:19] + "+00:00"
