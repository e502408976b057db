"""Downloader middlewares."""

from __future__ import annotations

import logging
import random
import time
import zlib
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import task

from crawler.faults import Fault, fault_kind

from pipelines.incremental import open_url_states

logger = logging.getLogger(__name__)


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
            raise NotConfigured  # the usual case (only the sample sites use a proxy): no warning
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

    def __init__(self, store: Any, revisit_after: float, stats) -> None:
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
        return cls(open_url_states(crawler), revisit, crawler.stats)

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
        if state.fetched_at == 0.0:
            # Dumped before without all its pages (multipage-incomplete) or with an unknown fetch
            # time: whatever is dumped under this id now is a revision of it, however much it grew.
            request.meta["dumped_before"] = True
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


# -- faults: retries with backoff, and responses that must not pass ---------------------------


def _retry_after_seconds(value: bytes | None, now: float) -> float | None:
    """Seconds a ``Retry-After`` header asks for: delta-seconds or an HTTP date."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now)


async def _sleep(seconds: float) -> None:
    from twisted.internet import reactor  # the installed reactor, whichever it is

    await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))


class RetryPolicy:
    """When and how often a failed attempt is retried: Scrapy's ``get_retry_request`` (its
    RETRY_TIMES, priority and ``retry/*`` stats) plus a wait before the retry is sent.

    A failed attempt waits ``RETRY_BACKOFF_BASE * 2**(n-1)`` seconds (±20 % jitter, at most
    ``RETRY_BACKOFF_MAX``), unless the server said how long (``Retry-After``).
    """

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.base = settings.getfloat("RETRY_BACKOFF_BASE")
        self.max_wait = settings.getfloat("RETRY_BACKOFF_MAX")
        self.max_retry_times = settings.getint("RETRY_TIMES")

    def backoff(self, request) -> float:
        n = request.meta.get("retry_times", 0)  # retries already made
        return min(self.max_wait, self.base * 2**n * random.uniform(0.8, 1.2))

    def retry(self, request, kind: str, delay: float | None = None):
        """The retry request, or None when the retries are spent (the errback then counts the fault)."""
        retry = get_retry_request(
            request, reason=kind, spider=self.crawler.spider,
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
        )
        if retry is None:
            return None
        delay = self.backoff(request) if delay is None else delay
        self.crawler.stats.inc_value(f"faults/{kind}")
        self.crawler.stats.inc_value("faults/retried")
        retry.meta["retry_not_before"] = time.monotonic() + delay
        retry.meta["faults_seen"] = [*request.meta.get("faults_seen", []), kind]
        logger.info("Retrying %s in %.1f s: %s", request.url, delay, kind)
        return retry


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware with the waits of ``RetryPolicy``: Scrapy itself retries at once.

    A ``Retry-After`` on a 429 or 503 pauses the whole host for that long (the server speaks
    for the host, not one URL); one longer than ``RETRY_BACKOFF_MAX`` is not waited for:
    the URL is given up at once with the reason logged. Every wait has that bound.

    Stats: ``faults/<kind>`` for each failed attempt that is retried (the last one is
    counted by the spider's errback), ``faults/retried``, ``faults/recovered``.
    """

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.host_not_before: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler):
        mw = super().from_crawler(crawler)
        mw.policy = RetryPolicy(crawler)
        return mw

    async def process_request(self, request) -> None:
        now = time.monotonic()
        host = urlparse_cached(request).hostname or ""
        wait = max(request.meta.get("retry_not_before", 0.0), self.host_not_before.get(host, 0.0)) - now
        if wait > 0:
            await _sleep(min(wait, self.policy.max_wait))
        return None

    def process_response(self, request, response):
        if response.status not in self.retry_http_codes or request.meta.get("dont_retry"):
            if request.meta.get("faults_seen") and response.status < 400:
                self.crawler.stats.inc_value("faults/recovered")
            return response
        asked = _retry_after_seconds(response.headers.get(b"Retry-After"), time.time())
        if asked is not None:
            if asked > self.policy.max_wait:
                logger.warning(
                    "Giving up %s: %s with Retry-After %.0f s, more than RETRY_BACKOFF_MAX (%.0f s)",
                    request.url, response.status, asked, self.policy.max_wait,
                )
                return response  # the errback counts it
            host = urlparse_cached(request).hostname or ""
            self.host_not_before[host] = max(self.host_not_before.get(host, 0.0), time.monotonic() + asked)
        return self.policy.retry(request, f"http_{response.status}", asked) or response

    def process_exception(self, request, exception):
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry"):
            return None
        return self.policy.retry(request, fault_kind(exception, request))


class ResponseGuardMiddleware:
    """Stop responses that would pass a wrong or partial page downstream.

    Sits next to the downloader (before redirects and decompression see the response):
    - a redirect to a non-http(s) scheme or to a host outside the sites is refused
      (``faults/redirect_bad_scheme``, ``faults/offsite_redirect``), never followed;
    - a gzip/deflate body that ends before its compressed stream does is a truncated
      transfer: Scrapy would hand on the part it could inflate, which can pass for a
      short article. It is retried, then skipped (``faults/truncated_gzip``). The check
      inflates in bounded chunks and stops at ``DOWNLOAD_MAXSIZE``: a bomb is left to
      HttpCompressionMiddleware, which refuses it at the same limit.
    """

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        self.policy = RetryPolicy(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _allowed(self, url: str) -> bool:
        sites = getattr(self.crawler.spider, "sites", None) or []
        return not sites or any(site.owns(url) for site in sites)

    def process_response(self, request, response):
        if 300 <= response.status < 400 and b"Location" in response.headers:
            target = urljoin(request.url, response.headers[b"Location"].decode("latin-1").strip())
            parts = urlsplit(target)
            if parts.scheme not in ("http", "https"):
                raise Fault("redirect_bad_scheme", f"redirect to a {parts.scheme or 'relative'}: URL refused: {target[:200]}")
            if not self._allowed(target):
                raise Fault("offsite_redirect", f"redirect to a host outside the site refused: {target[:200]}")
            return response
        encoding = (response.headers.get(b"Content-Encoding") or b"").strip().lower()
        if encoding in (b"gzip", b"x-gzip", b"deflate") and response.body and not self._stream_complete(response.body, encoding):
            retry = self.policy.retry(request, "truncated_gzip")
            if retry is not None:
                return retry
            raise Fault("truncated_gzip", "compressed body ends before its stream does (truncated transfer)")
        return response

    def _stream_complete(self, body: bytes, encoding: bytes) -> bool:
        wbits = 16 + zlib.MAX_WBITS if encoding != b"deflate" else zlib.MAX_WBITS
        inflater = zlib.decompressobj(wbits)
        produced = 0
        data = body
        try:
            while data and not inflater.eof:
                produced += len(inflater.decompress(data, 1 << 20))
                data = inflater.unconsumed_tail
                if produced > self.max_size:
                    return True  # a bomb, not a truncation: HttpCompressionMiddleware refuses it
        except zlib.error:
            if encoding == b"deflate":
                return True  # raw deflate without zlib header: let HttpCompressionMiddleware judge
            return False
        return inflater.eof
