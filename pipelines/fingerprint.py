"""Fingerprint stage: mojibake check, script and language, content hash.

Drops an article whose text is mostly garbage (``GarbledText``); repairs what
can be re-decoded and flags the rest.
"""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from pipelines.text.normalise import ScriptConverter
from pipelines.text.prepared import text_facts

logger = logging.getLogger(__name__)


class GarbledText(DropItem):
    """The text is mostly mojibake or replacement characters."""


class FingerprintStage:
    def __init__(self, stats: Any, max_garbage_share: float) -> None:
        self.stats = stats
        self.max_garbage_share = max_garbage_share
        self.converter = ScriptConverter()

    @classmethod
    def from_crawler(cls, crawler: Any) -> "FingerprintStage":
        share = crawler.settings.getfloat("QUALITY_MAX_GARBAGE_SHARE")
        if not 0 < share <= 1:
            raise ValueError(f"QUALITY_MAX_GARBAGE_SHARE must be in (0, 1], got {share!r}")
        return cls(crawler.stats, share)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        warnings = list(adapter.get("warnings") or [])
        prepared = adapter.get("prepared")
        facts = prepared and prepared.facts_for(adapter["text"], adapter.get("language"))
        if not facts:  # not read by the page reader, or the text changed since (template lines)
            if prepared:
                self.stats.inc_value("prepared/stale/fingerprint")
            facts = text_facts(adapter["text"], adapter.get("language"), self.converter)
        report = facts.mojibake
        if report.repaired_lines:
            self.stats.inc_value("quality/mojibake_repaired", report.repaired_lines)
            warnings.append("mojibake-repaired")
        if report.garbage_share > self.max_garbage_share:
            self.stats.inc_value("quality/garbled_dropped")
            raise GarbledText(f"text is {report.garbage_share:.0%} garbage")
        if report.suspected:
            self.stats.inc_value("quality/mojibake_suspected")
            warnings.append("mojibake-suspected")
        adapter["text"] = report.text
        adapter["warnings"] = sorted(set(warnings))
        adapter["script"] = facts.script
        adapter["language"] = facts.language
        adapter["matching_text"] = facts.matching_text  # the dedup stage reuses it
        adapter["content_hash"] = facts.content_hash
        if adapter["script"]:
            self.stats.inc_value(f"quality/script/{adapter['script']}")
        return item
