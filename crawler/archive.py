"""WARC in the crawl: archive what is fetched, and answer requests from archives.

- ``ArchiveMiddleware`` (downloader middleware, next to the downloader): with
  ``ARCHIVE_ENABLED`` every response the downloader receives is written, with the
  request that asked for it, to ``DUMPS_DIR/<spider>/<run>.<NNNNN>.warc.gz``
  (``pipelines/warc/writer.py``): the body as received (still compressed when the
  server compressed it), status and headers, plus a metadata record with what the
  spider knew about the page (how it was found, sitemap/feed dates, listing page).
- ``WarcDownloadHandler``: the ``warc`` spider's only download handler for http and
  https. It answers a request from the WARC record the request carries, or else from the
  record the spider finds for its URL in the file set (a multi-page story's next page),
  and fails any other: no network request can be made by a crawl that uses it.
- ``WarcFileClaims``: in distributed mode, each WARC file is read by one worker.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from http import HTTPStatus
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from crawler.faults import Fault
from pipelines.warc.writer import HttpExchange, RotatingWarcWriter
from pipelines.stores.paths import dump_folder

logger = logging.getLogger(__name__)

# Request meta the spider sets that re-extraction needs to judge a page as the crawl did.
_META_FIELDS = {"site": "site", "via": "via", "listing": "listing", "lastmod": "lastmod", "feed_date": "feed-date", "site_depth": "depth"}


def _setting(settings: Any, name: str, getter: str) -> Any:
    try:
        return getattr(settings, getter)(name)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: {exc}") from None


class ArchiveMiddleware:
    def __init__(self, crawler: Any, max_bytes: int) -> None:
        self.crawler = crawler
        self.max_bytes = max_bytes
        self.writer: RotatingWarcWriter | None = None
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> "ArchiveMiddleware":
        s = crawler.settings
        if not _setting(s, "ARCHIVE_ENABLED", "getbool"):
            raise NotConfigured  # off by default: no "Disabled" warning on every crawl
        if getattr(crawler.spider, "reads_archives", False):
            raise NotConfigured("the warc spider reads archives; it writes none")
        max_bytes = _setting(s, "ARCHIVE_MAX_BYTES", "getint")
        if max_bytes <= 0:
            raise ValueError(f"ARCHIVE_MAX_BYTES must be a number of bytes > 0, got {s.get('ARCHIVE_MAX_BYTES')!r}")
        mw = cls(crawler, max_bytes)
        crawler.archive = mw
        # After the dump finaliser (an extension, connected first) has written the manifest.
        crawler.signals.connect(mw.list_in_manifest, signal=signals.feed_exporter_closed)
        crawler.signals.connect(mw.finish, signal=signals.spider_closed)  # runs with -o/-O too
        return mw

    def _open(self) -> RotatingWarcWriter:
        spider = self.crawler.spider
        folder = dump_folder(self.crawler.settings, spider.name)
        self.writer = RotatingWarcWriter(folder, spider.run_id, self.max_bytes, software=self.crawler.settings.get("USER_AGENT") or "zh-news-corpus")
        return self.writer

    def process_response(self, request: Any, response: Response) -> Response:
        if self.failed:
            return response
        writer = self.writer or self._open()
        fields = {}
        for key, name in _META_FIELDS.items():
            value = request.meta.get(key)
            if value not in (None, "", False):
                fields[name] = "1" if value is True else str(value)
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        ex = HttpExchange(
            url=response.url, method=request.method,
            request_headers=_header_list(request.headers), status=response.status, reason=reason,
            protocol=response.protocol or "HTTP/1.1", response_headers=_header_list(response.headers),
            body=response.body, ip_address=str(response.ip_address) if response.ip_address else None, fields=fields,
        )
        try:
            written = writer.write(ex)
        except OSError as exc:
            # An archive with holes is not the archive asked for: the run fails (exit 2).
            self.failed = True
            logger.error("Archive unwritable, archiving stopped: %s", exc)
            self.crawler.stats.set_value("run/failed", f"archive unwritable: {exc}")
            return response
        stats = self.crawler.stats
        stats.inc_value("archive/responses")
        stats.inc_value("archive/bytes", written)
        stats.set_value("archive/files", len(writer.files))
        return response

    def finish(self, spider: Any = None) -> list[dict]:
        """Rename the archive files to their finished names (once); their list for the manifest."""
        if self.writer is None:
            return []
        try:
            return self.writer.finish()
        except OSError as exc:
            self.crawler.stats.set_value("run/failed", f"archive unwritable: {exc}")
            logger.error("Archive could not be finished: %s", exc)
            return []


    def list_in_manifest(self) -> None:
        """Finish the files and add them to the run's manifest (``archive``: file, records,
        responses, bytes), written through a temporary file and an atomic rename."""
        files = self.finish()
        spider = self.crawler.spider
        folder = dump_folder(self.crawler.settings, spider.name)
        path = folder / f"{spider.run_id}.manifest.json"
        if not path.exists():
            return
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            manifest["archive"] = files
            tmp = path.with_suffix(".archive.tmp")
            tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
            os.replace(tmp, path)
        except (OSError, ValueError) as exc:
            logger.error("Archive files not listed in %s: %s", path, exc)


def _header_list(headers: Headers) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, values in headers.items() for v in values]


class WarcDownloadHandler(BaseDownloadHandler):
    """Answers a request from ``request.meta["warc_page"]`` (a ``WarcPage``), or from the
    record the spider's ``page_by_url`` reads for the request's URL (the file set indexed by
    URL); any other request fails with ``faults/no_record``. The ``warc`` spider's only
    http(s) handler: nothing here opens a connection."""

    lazy = False

    async def download_request(self, request: Any) -> Response:
        page = request.meta.pop("warc_page", None)
        if page is None:
            by_url = getattr(self.crawler.spider, "page_by_url", None)
            if by_url is None:
                raise Fault("no_record", f"no WARC record for {request.url}: the warc spider makes no network request")
            page = by_url(request.url)  # raises Fault("no_record") when the files have none
        headers = Headers(page.headers)
        cls = responsetypes.from_args(headers=headers, url=page.url, body=page.body)
        return cls(url=request.url, status=page.status, headers=headers, body=page.body, request=request, protocol=page.protocol)


class WarcFileClaims:
    """Distributed mode: a worker reads a file only if it claims it first (``SET NX`` in
    Redis, one key per file and job, expiring after ``WARC_CLAIM_TTL``)."""

    def __init__(self, server: Any, prefix: str, job: str, ttl: int, run: str) -> None:
        self.server = server
        self.key = f"{prefix}:warc:{job}:claim:"
        self.ttl = ttl
        self.run = run

    def claim(self, path: Path) -> bool:
        key = self.key + hashlib.sha1(str(path).encode("utf-8")).hexdigest()
        return bool(self.server.set(key, self.run, nx=True, ex=self.ttl))
