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
from pipelines.text.lines_zh import BoilerplateClassifier, sentence_weight
from pipelines.text.normalise import ScriptConverter, is_chinese_text



_MIN_BODY_SENTENCES = 20  # Han characters of body sentences a candidate needs to be taken for them
_SHORT_TEXT_WEIGHT = 120  # words: below this, precision mode's stripped text is checked against the other


_SUBSTANTIAL_LINE = 8  # words: shorter lines are labels (发布于, 分享, 举报, a user name)


def _clearly_more(other_sentences: int, sentences: int) -> bool:
    return other_sentences >= _MIN_BODY_SENTENCES and other_sentences > 2 * sentences


def _substance(text: str) -> int:
    """The weight of the text's lines of substance: UI labels and user names left out."""
    return sum(w for w in (text_weight(line) for line in text.split("\n")) if w >= _SUBSTANTIAL_LINE)


class NoArticleText(DropItem):
    """Nothing but boilerplate was left of the page."""


class BoilerplateStage:
    def __init__(self, stats: Any, min_text_chars: int = 60) -> None:
        self.stats = stats
        self.min_text_chars = min_text_chars
        self.classifier = BoilerplateClassifier(ScriptConverter())

    def _choose(self, text: str, result: Any, alternative: str, title: str | None) -> Any:
        """The safety net's second half, decided on the stripped texts: precision mode's text
        was suspect (short, or missing the page's paragraphs) and default mode's came along.
        The other is the article when
        - most of the first is boilerplate by this classifier (a disclaimer, the footer, a
          comment count: ``boilerplate_evidence``) or what is left of it has next to no body
          sentences (a channel list, a ranking: ``sentence_evidence``), and the other has
          clearly more body sentences;
        - or what is left of the first is short and the other has at least three times as
          much text in lines of substance as the first had before stripping (``default_mode``:
          no UI labels counted).
        Default mode's extra teasers, comments and chrome never replace a short article."""
        kept = text_weight(result.text)
        sentences = sentence_weight(result.text)
        mostly_boilerplate = kept * 2 <= text_weight(text)
        no_body = sentences * 2 < kept or not kept
        short = kept < _SHORT_TEXT_WEIGHT
        if not (mostly_boilerplate or no_body or short):
            return result
        other = self.classifier.strip(alternative, title)
        kind = None
        if (mostly_boilerplate or no_body) and _clearly_more(sentence_weight(other.text), sentences):
            kind = "boilerplate_evidence" if mostly_boilerplate else "sentence_evidence"
        elif short and _substance(other.text) >= 3 * max(1, text_weight(text)):
            kind = "default_mode"
        if kind is None:
            return result
        self.stats.inc_value(f"extract/fallback/{kind}")
        return other

    @classmethod
    def from_crawler(cls, crawler: Any) -> "BoilerplateStage":
        return cls(crawler.stats, crawler.settings.getint("EXTRACT_MIN_TEXT_CHARS"))

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        text = adapter.get("text") or ""
        # A Chinese boilerplate classifier: other languages' lines pass untouched (their
        # copyright lines are part of the article, as the English gold standards have them).
        alternative = adapter.get("alternative_text")
        adapter["alternative_text"] = None
        # (precision mode may have kept only an English footer of a Chinese page: the other
        # candidate tells)
        chinese = is_chinese_text(text) or bool(alternative and is_chinese_text(alternative))
        result = self.classifier.strip(text, adapter.get("title"), lines_too=chinese)
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
        adapter["text"] = result.text
        adapter["title"] = result.title
        adapter["line_fields"] = dict(result.fields)  # source, author, editor, datetime: for the metadata stage
        adapter["pinyin_in_text"] = bool(result.pinyin_removed)
        # The site's yield for health checks: pages that are articles, new or not.
        self.stats.inc_value(f"extract/site/{site}/articles")
        return item
