"""Extraction stage: ruby markup out, then the article out of the page.

Drops pages that are not articles (list, tag, about and error pages) with
``NotAnArticle(<reason>)``.
"""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from pipelines.article_html import ExtractConfig, NotArticleReason, article_id, extract_article
from pipelines.ruby import strip_ruby_markup

logger = logging.getLogger(__name__)


class NotAnArticle(DropItem):
    """The page has no article: list/tag/about/error page, or no title or body."""


class ExtractStage:
    def __init__(self, config: ExtractConfig, stats: Any) -> None:
        self.config = config
        self.stats = stats
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
        # trafilatura warns "discarding data" for every list page; this stage reports and
        # counts that outcome itself (NotAnArticle), so its own warnings would only be noise.
        logging.getLogger("trafilatura").setLevel(logging.ERROR)
        return cls(config, crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        html, n_ruby = strip_ruby_markup(adapter.get("html") or "")
        if n_ruby:
            self.stats.inc_value("ruby/markup_removed", n_ruby)
        try:
            found = extract_article(html, adapter["url"], self.config, known_article=adapter.get("url_is_article") is True)
        except NotArticleReason as reason:
            self.stats.inc_value("extract/not_article")
            raise NotAnArticle(str(reason)) from None
        except Exception as exc:  # a library failure costs this page only
            kind = type(exc).__name__
            self.stats.inc_value(f"extract/error/{kind}")
            if kind not in self._warned:
                self._warned.add(kind)
                logger.warning("Extraction failed on %s: %r (further %s errors only counted)", adapter["url"], exc, kind)
            raise NotAnArticle(f"extraction error {kind}") from None
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
