"""Boilerplate stage: Chinese boilerplate lines out; their metadata goes on to the metadata stage.

Counts ``boilerplate/lines_removed``, ``boilerplate/chars_removed``,
``boilerplate/kind/<kind>`` and per site ``boilerplate/site/<site>/lines_removed``;
``ruby/pinyin_removed`` for flattened readings.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from pipelines.text.article_html import text_weight
from pipelines.extract import NotAnArticle
from pipelines.text.lines_zh import BoilerplateClassifier, strip_article
from pipelines.text.normalise import ScriptConverter
from pipelines.text.taxonomy import keyword_line_terms, section_from_line



class NoArticleText(DropItem):
    """Nothing but boilerplate was left of the page."""


class BoilerplateStage:
    def __init__(self, stats: Any, min_text_chars: int = 60, record_fields: bool = True) -> None:
        self.stats = stats
        self.min_text_chars = min_text_chars
        self.record_fields = record_fields  # RECORD_FIELDS: the keywords and breadcrumb lines' values become fields
        self.classifier = BoilerplateClassifier(ScriptConverter())

    @classmethod
    def from_crawler(cls, crawler: Any) -> "BoilerplateStage":
        s = crawler.settings
        return cls(crawler.stats, s.getint("EXTRACT_MIN_TEXT_CHARS"), s.getbool("RECORD_FIELDS"))

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        text = adapter.get("text") or ""
        alternative = adapter.get("alternative_text")
        adapter["alternative_text"] = None
        prepared = adapter.get("prepared")  # (the page reader's strip of this text, when it is this text)
        done = prepared and prepared.boilerplate_for(text, adapter.get("title"), alternative)
        if not done and prepared:
            self.stats.inc_value("prepared/stale/boilerplate")
        result, fallback = done or strip_article(self.classifier, text, adapter.get("title"), alternative)
        if fallback:
            self.stats.inc_value(f"extract/fallback/{fallback}")
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
        adapter["text"] = result.text
        adapter["title"] = result.title
        adapter["line_fields"] = dict(result.fields)  # source, author, editor, datetime: for the metadata stage
        adapter["pinyin_in_text"] = bool(result.pinyin_removed)
        # The keywords and breadcrumb lines left the text: their values are fields.
        if self.record_fields and result.fields.get("keywords") and not adapter.get("keywords"):
            adapter["keywords"] = keyword_line_terms(result.fields["keywords"])
        if self.record_fields and result.fields.get("breadcrumb") and not adapter.get("section"):
            adapter["section"] = section_from_line(result.fields["breadcrumb"], result.title)
        # The site's yield for health checks: pages that are articles, new or not.
        self.stats.inc_value(f"extract/site/{site}/articles")
        return item
