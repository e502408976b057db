"""Record stage: the markdown field follows the text as the stages left it; the record's
fields are cleaned like the text and counted.

The page reader built ``markdown`` from the extracted lines (pipelines/text/structure.py);
the boilerplate, template and quality stages have since removed or repaired lines of
``text``. Here the Markdown keeps exactly the lines ``text`` kept (the dump's late template
pass does the same, crawler/extensions.py). Never drops an item.

Stats: record/markdown, record/with_images, record/images, record/with_keywords,
record/with_section, record/with_description.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from pipelines.text.ruby import remove_flattened_pinyin
from pipelines.text.structure import align_markdown


def without_pinyin(value: str | None, short: bool = False) -> str | None:
    """``value`` without flattened readings; a short field (a keyword, a section) has at most
    one or two, so one confirmed reading is enough there."""
    if not value or ("(" not in value and "（" not in value):
        return value
    return remove_flattened_pinyin(value, min_groups=1 if short else 3)[0]


class RecordStage:
    def __init__(self, stats: Any, markdown: bool) -> None:
        self.stats = stats
        self.markdown = markdown

    @classmethod
    def from_crawler(cls, crawler: Any) -> "RecordStage":
        if not crawler.settings.getbool("RECORD_FIELDS"):
            raise NotConfigured("RECORD_FIELDS is off: the record fields are not read")
        return cls(crawler.stats, crawler.settings.getbool("RECORD_MARKDOWN"))

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        if self.markdown:
            adapter["markdown"] = align_markdown(adapter.get("markdown"), adapter.get("text") or "")
            if adapter["markdown"] is not None:
                self.stats.inc_value("record/markdown")
        else:
            adapter["markdown"] = None
        images = adapter.get("images") or []
        for image in images:
            image["caption"] = without_pinyin(image.get("caption"))
            image["alt"] = without_pinyin(image.get("alt"))
        adapter["description"] = without_pinyin(adapter.get("description"))
        for name in ("keywords", "section"):
            adapter[name] = [without_pinyin(term, short=True) for term in adapter.get(name) or []]
        if images:
            self.stats.inc_value("record/with_images")
            self.stats.inc_value("record/images", len(images))
        for name in ("keywords", "section", "description"):
            if adapter.get(name):
                self.stats.inc_value(f"record/with_{name}")
        return item
