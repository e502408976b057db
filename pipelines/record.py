"""Record stage: the markdown field follows the text as the stages left it; the record's
fields are counted.

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

from pipelines.text.structure import align_markdown


class RecordStage:
    def __init__(self, stats: Any, markdown: bool) -> None:
        self.stats = stats
        self.markdown = markdown

    @classmethod
    def from_crawler(cls, crawler: Any) -> "RecordStage":
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
        if images:
            self.stats.inc_value("record/with_images")
            self.stats.inc_value("record/images", len(images))
        for name in ("keywords", "section", "description"):
            if adapter.get(name):
                self.stats.inc_value(f"record/with_{name}")
        return item
