"""Extraction stage: ruby markup out, then the article out of the page.

Drops pages that are not articles (list, tag, about and error pages) with
``NotAnArticle(<reason>)``.
"""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from pipelines.text.article_html import ExtractConfig, article_id
from pipelines.text.extract_pool import extract_page

logger = logging.getLogger(__name__)


class NotAnArticle(DropItem):
    """The page has no article: list/tag/about/error page, or no title or body."""


def extract_config(settings: Any) -> ExtractConfig:
    """The EXTRACT_* settings, checked (for the page reader and this stage alike)."""
    config = ExtractConfig(
        include_tables=settings.getbool("EXTRACT_INCLUDE_TABLES"),
        favor_precision=settings.getbool("EXTRACT_FAVOR_PRECISION"),
        favor_recall=settings.getbool("EXTRACT_FAVOR_RECALL", False),
        prune_recommendations=settings.getbool("EXTRACT_PRUNE_RECOMMENDATIONS"),
        fast=settings.getbool("EXTRACT_FAST"),
        min_text_chars=settings.getint("EXTRACT_MIN_TEXT_CHARS"),
        max_link_share=settings.getfloat("EXTRACT_MAX_LINK_SHARE"),
        record=settings.getbool("RECORD_FIELDS", True),
        markdown=settings.getbool("RECORD_MARKDOWN", True),
    )
    if config.min_text_chars < 0 or not 0 < config.max_link_share <= 1:
        raise ValueError("EXTRACT_MIN_TEXT_CHARS must be >= 0 and EXTRACT_MAX_LINK_SHARE in (0, 1]")
    return config


class ExtractStage:
    """Applies the extraction the spider's page reader did off the reactor, in the same
    parse as the page's links (``crawler.reading``); extracts here only items that come
    without one (offline tools, other spiders)."""

    def __init__(self, config: ExtractConfig, stats: Any) -> None:
        self.config = config
        self.stats = stats
        self._warned: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any) -> "ExtractStage":
        # trafilatura warns "discarding data" for every list page; this stage reports and
        # counts that outcome itself (NotAnArticle), so its own warnings would only be noise.
        logging.getLogger("trafilatura").setLevel(logging.ERROR)
        return cls(extract_config(crawler.settings), crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        result = adapter.get("extraction")
        if result is None:
            result = extract_page(adapter.get("html") or "", adapter["url"], self.config, adapter.get("url_is_article") is True)
        adapter["extraction"] = None
        return self._apply(item, adapter, result)

    def _apply(self, item: Any, adapter: ItemAdapter, result: tuple[Any, ...]) -> Any:
        status, *rest = result
        if rest[-1]:
            self.stats.inc_value("ruby/markup_removed", rest[-1])
        if status == "not_article":
            self.stats.inc_value("extract/not_article")
            self.stats.inc_value(f"extract/not_article/{rest[1]}")
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
        for kind in found.fallbacks:
            self.stats.inc_value(f"extract/fallback/{kind}")
        if found.link_lines_removed:
            self.stats.inc_value("extract/link_lines_removed", found.link_lines_removed)
        if not adapter.get("pages"):  # (the spider sets them; offline tools read one page)
            adapter["pages"] = [adapter["url"]]
        adapter["canonical_url"] = found.canonical_url
        adapter["id"] = article_id(found.canonical_url)
        adapter["title"] = found.title
        adapter["text"] = found.text
        adapter["alternative_text"] = found.alternative
        adapter["published"] = found.date
        adapter["language"] = found.html_lang  # refined from the text by the fingerprint stage
        adapter["page_meta"] = found.metadata
        for name in ("markdown", "images", "keywords", "section", "description", "meta_keywords"):
            adapter[name] = getattr(found, name)
        adapter["date_hint"] = adapter.get("date_hint") or found.structured_date
        adapter["html"] = None  # the page is no longer needed; keep memory flat
        return item
