"""Run the item pipeline stages outside a crawl: for benchmarks, tests and tools.

The stages are built exactly as a crawl builds them: from a real Crawler with
the project's settings, in ``ITEM_PIPELINES`` order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

import crawler.settings as project
from crawler.items import Article
from pipelines.text.charset import decode_body

# No engine runs here, so no reactor, addon or download-handler settings.
_SKIP = {"ADDONS", "TWISTED_REACTOR", "DOWNLOAD_HANDLERS"}


@dataclass
class StageChain:
    crawler: Any
    stages: list[Any]

    def process(self, item: Any, stages: list[Any] | None = None) -> Any:
        for stage in self.stages if stages is None else stages:
            item = stage.process_item(item)
        return item

    def page(self, body: bytes, headers: dict[str, str], url: str, site: str = "offline", _stages: list[Any] | None = None, **transient: Any) -> Article:
        """Run one page (raw bytes and headers) through decode and the stages (default: all); raises DropItem."""
        decoded = decode_body(body, headers, url)
        item = Article(
            url=url, site=site, domain=url.split("/")[2].split(":")[0] if "//" in url else "", fetched_at="1970-01-01T00:00:00+00:00",
            http_status=200, encoding=decoded.encoding, encoding_source=decoded.source,
            warnings=list(decoded.warnings), html=decoded.text, **transient,
        )
        return self.process(item, _stages)


def build_stage_chain(settings: dict[str, Any] | None = None) -> StageChain:
    merged = {k: v for k, v in vars(project).items() if k.isupper() and k not in _SKIP}
    merged["TEMPLATE_PERSIST"] = False  # offline runs keep their models in memory unless asked
    merged["META_PERSIST"] = False  # ... and what the metadata resolver learns per site
    merged["DEDUP_ENABLED"] = False  # page-by-page tools want every page's text, not one copy
    merged["EXTRACT_WORKERS"] = 0  # offline tools call the stages one page at a time, in this process
    merged["INCREMENTAL_ENABLED"] = False
    merged["EXTENSIONS"] = {}  # run-level extensions (state lock, dump finaliser) belong to crawls
    merged.update(settings or {})
    crawler = get_crawler(settings_dict=merged)
    crawler.stats.open_spider()
    order = sorted(crawler.settings.getdict("ITEM_PIPELINES").items(), key=lambda kv: kv[1])
    stages = []
    for path, _ in order:
        try:
            stage = load_object(path).from_crawler(crawler)
        except NotConfigured:
            continue  # switched off, as Scrapy itself skips it
        if hasattr(stage, "open_spider"):
            stage.open_spider()
        stages.append(stage)
    return StageChain(crawler, stages)


__all__ = ["DropItem", "StageChain", "build_stage_chain"]
