"""The default dump: DUMPS_DIR/<spider>/<UTC timestamp>.jsonl through Scrapy's FEEDS.

``-o``/``-O`` replace it, as in any Scrapy project. Local JSON Lines and JSON feeds get the
same end-of-run pass as the default dump (``LocalFeed.rewrite`` with
``crawler.extensions.FinalPass``); other feeds keep streaming semantics, said at start.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.extensions.feedexport import FeedExporter, FileFeedStorage
from scrapy.utils.misc import build_from_crawler

from crawler.items import EXPORTED_FIELDS
from pipelines.stores.paths import dumps_root

if TYPE_CHECKING:
    from crawler.extensions import FinalPass

logger = logging.getLogger(__name__)

REWRITABLE_FORMATS = frozenset({"jsonlines", "jsonl", "jl", "json"})


def is_default_dump(uri: str) -> bool:
    """The default dump's FEEDS entry (``<run>.jsonl.part``), finalised by DumpFinalizer."""
    return str(uri).endswith(".jsonl.part")


@dataclass
class LocalFeed:
    """A feed file on this machine that the end-of-run pass rewrites."""

    path: Path
    start: int  # bytes an earlier run left in it (-o appends): kept as they are
    format: str
    options: dict[str, Any]  # the feed's options as Scrapy completed them
    exporter_class: type

    def rewrite(self, crawler: Any, final_pass: "FinalPass") -> int:
        """Pass this run's rows through ``final_pass`` and write them back with Scrapy's own
        exporter and the feed's options, through a temporary file, fsync and an atomic
        rename. Returns the number of demoted reposts (marked or left out)."""
        encoding = self.options.get("encoding") or "utf-8"
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            demoted = self._write(crawler, final_pass, tmp, encoding)
        except BaseException:
            tmp.unlink(missing_ok=True)  # the feed stays as Scrapy wrote it
            raise
        os.replace(tmp, self.path)
        return demoted

    def _write(self, crawler: Any, final_pass: "FinalPass", tmp: Path, encoding: str) -> int:
        demoted = 0
        with self.path.open("rb") as src, tmp.open("wb") as dst:
            left = self.start
            while left:  # an earlier run's bytes, copied as they are
                chunk = src.read(min(left, 1 << 20))
                dst.write(chunk)
                left -= len(chunk)
            if self.format == "json":
                tail = src.read().decode(encoding)
                rows = json.loads(tail) if tail.strip() else []
            else:
                rows = (json.loads(line.decode(encoding)) for line in src if line.strip())
            exporter = build_from_crawler(
                self.exporter_class, crawler, dst, fields_to_export=self.options.get("fields"), encoding=self.options.get("encoding"),
                indent=self.options.get("indent"), **self.options.get("item_export_kwargs", {}),
            )
            exporter.start_exporting()
            for row in rows:
                row, was_demoted = final_pass.apply(row)
                demoted += was_demoted
                if row is not None:
                    exporter.export_item(row)
            exporter.finish_exporting()
            dst.flush()
            os.fsync(dst.fileno())
        return demoted


def user_feeds(crawler: Any) -> tuple[list[LocalFeed], list[tuple[str, str]]]:
    """The feeds other than the default dump, as Scrapy's feed exporter opened them (call it at
    ``spider_opened``, before any item): those the end-of-run pass rewrites, and (uri, why not)
    for the others."""
    exporter = next((e for e in crawler.extensions.middlewares if isinstance(e, FeedExporter)), None)
    if exporter is None:
        return [], []
    local, streaming = [], []
    for slot in exporter.slots:
        if is_default_dump(slot.uri_template):
            continue
        options = slot.feed_options
        why = None
        if not isinstance(slot.storage, FileFeedStorage):
            why = f"{type(slot.storage).__name__} is not a local file"
        elif slot.format not in REWRITABLE_FORMATS:
            why = f"format {slot.format} (only {', '.join(sorted(REWRITABLE_FORMATS))} are rewritten)"
        elif options.get("batch_item_count"):
            why = "written in batches"
        elif options.get("postprocessing"):
            why = "post-processed"
        if why:
            streaming.append((slot.uri, why))
            continue
        path = Path(slot.storage.path)
        start = path.stat().st_size if slot.storage.write_mode == "ab" and path.exists() else 0
        local.append(LocalFeed(path, start, slot.format, options, exporter.exporters[slot.format]))
    return local, streaming


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
            # "project": settings.py declares it (None) at that priority, and an addon-priority
            # value would lose to it: -o/-O feeds then carried the transient fields (html, ...).
            settings.set("FEED_EXPORT_FIELDS", EXPORTED_FIELDS, priority="project")
        if settings.getdict("FEEDS"):
            return
        dumps = dumps_root(settings)
        # Written as .part; DumpFinalizer renames it when the run ends, so a finished
        # dump is never half-written and a crashed run leaves only a .part behind.
        uri = str(dumps.resolve() / "%(name)s" / "%(run)s.jsonl.part")
        settings.set(
            "FEEDS",
            {uri: {"format": "jsonlines", "encoding": "utf-8", "fields": EXPORTED_FIELDS, "store_empty": True}},
            priority="addon",
        )
