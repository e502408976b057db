"""Extraction stage: ruby markup out, then the article out of the page.

Drops pages that are not articles (list, tag, about and error pages) with
``NotAnArticle(<reason>)``.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from pipelines.article_html import ExtractConfig, article_id
from pipelines.extract_pool import ExtractPool, WorkerCrashed, extract_page

logger = logging.getLogger(__name__)


class NotAnArticle(DropItem):
    """The page has no article: list/tag/about/error page, or no title or body."""


class ExtractStage:
    """EXTRACT_WORKERS > 0: pages are extracted in a pool of worker processes and this stage
    awaits them, so downloading goes on meanwhile; CONCURRENT_ITEMS bounds how many pages are
    in flight (and so memory). EXTRACT_WORKERS = 0: in this process."""

    def __init__(self, config: ExtractConfig, stats: Any, pool: ExtractPool | None = None) -> None:
        self.config = config
        self.stats = stats
        self.pool = pool
        self._warned: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any) -> "ExtractStage":
        s = crawler.settings
        config = ExtractConfig(
            include_tables=s.getbool("EXTRACT_INCLUDE_TABLES"),
            favor_precision=s.getbool("EXTRACT_FAVOR_PRECISION"),
            favor_recall=s.getbool("EXTRACT_FAVOR_RECALL", False),
            prune_recommendations=s.getbool("EXTRACT_PRUNE_RECOMMENDATIONS"),
            fast=s.getbool("EXTRACT_FAST"),
            min_text_chars=s.getint("EXTRACT_MIN_TEXT_CHARS"),
            max_link_share=s.getfloat("EXTRACT_MAX_LINK_SHARE"),
        )
        if config.min_text_chars < 0 or not 0 < config.max_link_share <= 1:
            raise ValueError("EXTRACT_MIN_TEXT_CHARS must be >= 0 and EXTRACT_MAX_LINK_SHARE in (0, 1]")
        raw_workers = s.get("EXTRACT_WORKERS")
        workers = (os.cpu_count() or 1) if raw_workers in (None, "", "auto") else int(raw_workers)
        if workers < 0:
            raise ValueError(f"EXTRACT_WORKERS must be 'auto' or a number >= 0, got {raw_workers!r}")
        # trafilatura warns "discarding data" for every list page; this stage reports and
        # counts that outcome itself (NotAnArticle), so its own warnings would only be noise.
        logging.getLogger("trafilatura").setLevel(logging.ERROR)
        pool = ExtractPool(workers, s.get("EXTRACT_CRASH_MARKER") or "") if workers else None
        return cls(config, crawler.stats, pool)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        args = (adapter.get("html") or "", adapter["url"], self.config, adapter.get("url_is_article") is True)
        if self.pool is None:
            return self._apply(item, adapter, extract_page(*args))
        return self._process_in_pool(item, adapter, args)

    async def _process_in_pool(self, item: Any, adapter: ItemAdapter, args: tuple[Any, ...]) -> Any:
        try:
            result = await self.pool.run(*args)
        except WorkerCrashed as exc:
            self.stats.inc_value("extract/error/WorkerCrashed")
            logger.error("Extraction worker crashed on %s twice: page dropped", adapter["url"])
            raise NotAnArticle(str(exc)) from None
        self.stats.set_value("extract/worker_restarts", self.pool.restarts)
        return self._apply(item, adapter, result)

    def _apply(self, item: Any, adapter: ItemAdapter, result: tuple[Any, ...]) -> Any:
        status, *rest = result
        if rest[-1]:
            self.stats.inc_value("ruby/markup_removed", rest[-1])
        if status == "not_article":
            self.stats.inc_value("extract/not_article")
            raise NotAnArticle(rest[0])
        if status == "error":
            kind, message = rest[0], rest[1]
            self.stats.inc_value(f"extract/error/{kind}")
            if kind not in self._warned:
                self._warned.add(kind)
                logger.warning("Extraction failed on %s: %s (further %s errors only counted)", adapter["url"], message, kind)
            raise NotAnArticle(f"extraction error {kind}")
        found = rest[0]
        self.stats.inc_value("extract/articles")
        if found.link_lines_removed:
            self.stats.inc_value("extract/link_lines_removed", found.link_lines_removed)
        adapter["canonical_url"] = found.canonical_url
        adapter["id"] = article_id(found.canonical_url)
        adapter["title"] = found.title
        adapter["text"] = found.text
        adapter["published"] = found.date
        adapter["author"] = found.author
        adapter["language"] = found.html_lang  # refined from the text by the fingerprint stage
        adapter["meta_lines"] = found.meta_lines
        adapter["date_hint"] = adapter.get("date_hint") or found.structured_date
        adapter["html"] = None  # the page is no longer needed; keep memory flat
        return item

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.close()
