"""Downloader middlewares."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.httpobj import urlparse_cached

from pipelines.incremental import url_state_path
from pipelines.url_state import UrlStateStore


class SiteProxyMiddleware:
    """Route every request for a site's hosts through the site's ``proxy``.

    Host-based rather than per-request so that requests Scrapy makes by itself
    (robots.txt, redirects) take the same route. Runs before RobotsTxtMiddleware.
    """

    def __init__(self, proxies: dict[str, str]) -> None:
        self.proxies = proxies

    @classmethod
    def from_crawler(cls, crawler: Any) -> "SiteProxyMiddleware":
        sites = getattr(crawler.spider, "sites", None) or []
        proxies = {}
        for site in sites:
            if site.proxy:
                for domain in site.allowed_domains:
                    proxies[domain] = site.proxy
        if not proxies:
            raise NotConfigured("no site sets a proxy")
        return cls(proxies)

    def process_request(self, request: Any) -> None:
        if "proxy" in request.meta:
            return None
        host = (urlparse_cached(request).hostname or "").lower()
        while host:
            proxy = self.proxies.get(host)
            if proxy:
                request.meta["proxy"] = proxy
                return None
            host = host.partition(".")[2]
        return None


class AlreadyFetched(IgnoreRequest):
    """A known article URL not due for a revisit, or one the server says has not changed."""


class IncrementalFetchMiddleware:
    """Skip article URLs already dumped until REVISIT_AFTER has passed; then ask with a
    conditional GET (If-None-Match / If-Modified-Since). A sitemap ``lastmod`` not newer
    than the last fetch skips the URL too. Start pages, list pages, sitemaps and feeds
    are always fetched: only requests the spider marks ``article_candidate`` are checked.

    Stats: incremental/skipped_recent, incremental/skipped_lastmod, incremental/not_modified,
    incremental/revisited.
    """

    def __init__(self, store: UrlStateStore, revisit_after: float, stats) -> None:
        self.store = store
        self.revisit_after = revisit_after
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        if not s.getbool("INCREMENTAL_ENABLED"):
            raise NotConfigured("INCREMENTAL_ENABLED is off")
        revisit = s.getfloat("REVISIT_AFTER")
        if revisit < 0:
            raise ValueError(f"REVISIT_AFTER must be a number of seconds >= 0, got {revisit!r}")
        return cls(UrlStateStore(url_state_path(s)).open(), revisit, crawler.stats)

    def process_request(self, request):
        if not request.meta.get("article_candidate"):
            return None
        state = self.store.get(request.url)
        if state is None:
            return None
        if not state.article_id:
            request.meta["known_non_article"] = True  # fetched again (it may list new articles)
            return None
        lastmod = request.meta.get("lastmod")
        lastmod_at = _parse_lastmod(lastmod) if lastmod else None
        if lastmod_at is not None and lastmod_at <= state.fetched_at:
            self.stats.inc_value("incremental/skipped_lastmod")
            raise AlreadyFetched(f"unchanged since the last fetch (sitemap lastmod {lastmod})")
        if time.time() - state.fetched_at < self.revisit_after:
            self.stats.inc_value("incremental/skipped_recent")
            raise AlreadyFetched("dumped before; not due for a revisit")
        if state.etag:
            request.headers.setdefault(b"If-None-Match", state.etag)
        if state.last_modified:
            request.headers.setdefault(b"If-Modified-Since", state.last_modified)
        request.meta["revisit"] = True  # a change found now makes a revision (DedupStage)
        self.stats.inc_value("incremental/revisited")
        return None

    def process_response(self, request, response):
        if response.status == 304 and request.meta.get("revisit"):
            self.store.touch([request.url])
            self.stats.inc_value("incremental/not_modified")
            raise AlreadyFetched("not modified (304)")
        return response


def _parse_lastmod(value: str) -> float | None:
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()
