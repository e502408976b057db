"""Boilerplate stage: Chinese boilerplate lines out, their metadata into fields.

Counts ``boilerplate/lines_removed``, ``boilerplate/chars_removed``,
``boilerplate/kind/<kind>`` and per site ``boilerplate/site/<site>/lines_removed``;
``ruby/pinyin_removed`` for flattened readings.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from pipelines.text.article_html import text_weight
from pipelines.extract import NotAnArticle
from pipelines.text.lines_zh import BoilerplateClassifier, fields_from_blocks, published_from_fields
from pipelines.text.normalise import ScriptConverter, is_chinese_text



class NoArticleText(DropItem):
    """Nothing but boilerplate was left of the page."""


class BoilerplateStage:
    def __init__(self, stats: Any, default_zone: str, site_zones: dict[str, str], min_text_chars: int = 60) -> None:
        self.stats = stats
        self.min_text_chars = min_text_chars
        self.default_zone = default_zone
        self.site_zones = site_zones
        self.classifier = BoilerplateClassifier(ScriptConverter())

    def _choose(self, text: str, result: Any, alternative: str, title: str | None) -> Any:
        """The safety net's second half: precision mode's text was suspect and trafilatura's
        default mode found more. When most of the first is boilerplate by this classifier
        (a disclaimer, the footer, a comment count) and the other keeps clearly more body,
        the other is the article."""
        kept = text_weight(result.text)
        if kept * 2 > text_weight(text):
            return result
        other = self.classifier.strip(alternative, title)
        if text_weight(other.text) > 2 * kept:
            self.stats.inc_value("extract/fallback/boilerplate_evidence")
            return other
        return result

    @classmethod
    def from_crawler(cls, crawler: Any) -> "BoilerplateStage":
        zone = crawler.settings.get("NEWS_TIMEZONE")
        try:
            ZoneInfo(zone)
        except Exception:
            raise ValueError(f"NEWS_TIMEZONE: not an IANA zone name: {zone!r}") from None
        sites = getattr(crawler.spider, "sites", []) if crawler.spider else []
        return cls(
            crawler.stats, zone, {s.name: s.timezone for s in sites if s.timezone}, crawler.settings.getint("EXTRACT_MIN_TEXT_CHARS")
        )

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        text = adapter.get("text") or ""
        # A Chinese boilerplate classifier: other languages' lines pass untouched (their
        # copyright lines are part of the article, as the English gold standards have them).
        chinese = is_chinese_text(text)
        result = self.classifier.strip(text, adapter.get("title"), lines_too=chinese)
        alternative = adapter.get("alternative_text")
        adapter["alternative_text"] = None
        if alternative and chinese:
            result = self._choose(text, result, alternative, adapter.get("title"))
        site = adapter.get("site")
        removed = sum(result.removed.values())
        if removed:
            self.stats.inc_value("boilerplate/lines_removed", removed)
            self.stats.inc_value("boilerplate/chars_removed", result.chars_removed)
            self.stats.inc_value(f"boilerplate/site/{site}/lines_removed", removed)
            for kind, n in result.removed.items():
                self.stats.inc_value(f"boilerplate/kind/{kind}", n)
        if result.pinyin_removed:
            self.stats.inc_value("ruby/pinyin_removed", result.pinyin_removed)
        if not result.text.strip():
            raise NoArticleText("only boilerplate left after stripping")
        weight = text_weight(result.text)
        if weight < self.min_text_chars and adapter.get("url_is_article") is not True:
            raise NotAnArticle(f"too little text after stripping ({weight} < {self.min_text_chars})")
        fields = dict(result.fields)
        for name, value in fields_from_blocks(self.classifier, adapter.get("meta_lines") or []).items():
            fields.setdefault(name, value)
        # Without an article_pattern, a page is news only with evidence of a publication date:
        # a metadata line, date markup or URL, or a sitemap/feed entry. About pages have none.
        if adapter.get("url_is_article") is None and not (
            fields.get("datetime") or adapter.get("date_hint") or adapter.get("discovered_via") in ("sitemap", "feed")
        ):
            raise NotAnArticle("no publication date: not a news article")
        adapter["text"] = result.text
        adapter["title"] = result.title
        for name in ("source", "editor", "author"):
            if fields.get(name):
                adapter[name] = fields[name]
        zone = self.site_zones.get(site, self.default_zone)
        adapter["published"] = published_from_fields(
            fields.get("datetime"), adapter.get("date_hint") or adapter.get("published"), zone
        )
        adapter["meta_lines"] = None
        # The site's yield for health checks: pages that are articles, new or not.
        self.stats.inc_value(f"extract/site/{site}/articles")
        return item
