"""The default dump: DUMPS_DIR/<spider>/<UTC timestamp>.jsonl through Scrapy's FEEDS.

``-o``/``-O`` replace it, as in any Scrapy project.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from crawler.items import EXPORTED_FIELDS


def run_timestamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def uri_params(params: dict[str, Any], spider: Any) -> dict[str, Any]:
    """FEED_URI_PARAMS: adds %(run)s, the run's UTC timestamp, fixed once per crawl."""
    run = getattr(spider, "run_id", None)
    if run is None:
        run = spider.run_id = run_timestamp()
    return {**params, "run": run}


class DefaultDumpAddon:
    """Sets FEEDS to the default dump unless the command line gave one."""

    def update_settings(self, settings: Any) -> None:
        if not settings.get("FEED_EXPORT_FIELDS"):
            settings.set("FEED_EXPORT_FIELDS", EXPORTED_FIELDS, priority="addon")
        if settings.getdict("FEEDS"):
            return
        dumps = Path(settings.get("DUMPS_DIR") or "dumps")
        # Written as .part; DumpFinalizer renames it when the run ends, so a finished
        # dump is never half-written and a crashed run leaves only a .part behind.
        uri = str(dumps.resolve() / "%(name)s" / "%(run)s.jsonl.part")
        settings.set(
            "FEEDS",
            {uri: {"format": "jsonlines", "encoding": "utf-8", "fields": EXPORTED_FIELDS, "store_empty": True}},
            priority="addon",
        )
