"""Run-level extensions: finalise the default dump and write the run manifest."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scrapy import signals

from pipelines.normalise import ScriptConverter, content_hash
from pipelines.site_template import SiteTemplateStore, TemplateStoreError
from pipelines.template import template_store_path

logger = logging.getLogger(__name__)


class DumpFinalizer:
    """When Scrapy's feed exporter has closed the default dump (``<run>.jsonl.part``):

    1. re-strip it with the final per-site template models (lines that became
       template after an article was emitted: a cold site's first pages);
    2. write it to ``<run>.jsonl`` through a temporary file and an atomic rename;
    3. write ``<run>.manifest.json`` (line count, sha256, per-site counts, stats).
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.started = datetime.now(timezone.utc)

    @classmethod
    def from_crawler(cls, crawler: Any) -> "DumpFinalizer":
        ext = cls(crawler)
        crawler.signals.connect(ext.feed_exporter_closed, signal=signals.feed_exporter_closed)
        return ext

    def _part_files(self) -> list[Path]:
        out = []
        for uri in self.crawler.settings.getdict("FEEDS"):
            if str(uri).endswith(".jsonl.part"):
                spider = self.crawler.spider
                params = {"name": spider.name, "run": getattr(spider, "run_id", "")}
                path = Path(str(uri) % params)
                if path.exists():
                    out.append(path)
        return out

    def feed_exporter_closed(self) -> None:
        parts = self._part_files()
        for part in parts:
            self.finalise(part)
        dedup = getattr(self.crawler, "dedup_stage", None)
        if not parts and dedup is not None:
            # -o/-O feeds: Scrapy wrote them as they came; everything kept went there.
            dedup.commit(self.crawler.spider.run_id, "(feed given with -o/-O)", None)

    def _template_model(self) -> Any:
        s = self.crawler.settings
        if not (s.getbool("TEMPLATE_ENABLED") and s.getbool("TEMPLATE_PERSIST")):
            return None
        try:
            return SiteTemplateStore(template_store_path(s)).load(s.getint("TEMPLATE_MIN_PAGES"))
        except TemplateStoreError as exc:
            logger.warning("Late template stripping skipped: %s", exc)
            self.crawler.stats.inc_value("template/store_error")
            return None

    def finalise(self, part: Path) -> Path:
        final = part.with_suffix("")  # x.jsonl.part -> x.jsonl
        tmp = final.with_suffix(".jsonl.tmp")
        model = self._template_model()
        converter = ScriptConverter()
        stats = self.crawler.stats
        dedup = getattr(self.crawler, "dedup_stage", None)
        digest = hashlib.sha256()
        per_site: Counter[str] = Counter()
        dumped_ids: set[str] = set()
        lines = late = 0
        with part.open("r", encoding="utf-8") as src, tmp.open("w", encoding="utf-8") as dst:
            for raw in src:
                if not raw.strip():
                    continue
                row = json.loads(raw)
                demoted = dedup.record_demoted(row.get("id")) if dedup is not None else None
                if demoted is not None:
                    if dedup.mode == "drop":
                        dedup._record(demoted)
                        continue
                    row["duplicate_of"] = demoted["duplicate_of"]
                if model is not None and row.get("text"):
                    kept, removed = model.strip(row.get("site", ""), row["text"].split("\n"))
                    if removed:
                        late += len(removed)
                        stats.inc_value(f"template/site/{row.get('site')}/late_lines_removed", len(removed))
                        row["text"] = "\n".join(kept)
                        row["content_hash"] = content_hash(converter.normalise_for_matching(row["text"]))
                out = json.dumps(row, ensure_ascii=False) + "\n"
                dst.write(out)
                digest.update(out.encode("utf-8"))
                per_site[row.get("site", "")] += 1
                lines += 1
                if not row.get("duplicate_of"):
                    dumped_ids.add(row.get("id"))
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, final)
        part.unlink()
        if dedup is not None:
            dedup.close_spider()  # flush the duplicates file before it is renamed
            dup_part = final.with_name(final.name[: -len(".jsonl")] + ".duplicates.jsonl.part")
            if dup_part.exists():
                os.replace(dup_part, dup_part.with_suffix(""))
            # Only now that the dump is in place: an index entry exists iff its article was dumped.
            dedup.commit(self.crawler.spider.run_id, final.name, dumped_ids)
        if late:
            stats.inc_value("template/late_lines_removed", late)
        self.write_manifest(final, lines, digest.hexdigest(), per_site)
        logger.info("Dump finalised: %s (%d articles, %d late template lines removed)", final, lines, late)
        return final

    def write_manifest(self, dump: Path, lines: int, sha256: str, per_site: Counter[str]) -> None:
        stats = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.crawler.stats.get_stats().items()}
        sites = {}
        for site in sorted({s.name for s in getattr(self.crawler.spider, "sites", [])} | set(per_site)):
            sites[site] = {
                "articles": per_site.get(site, 0),
                "pages_fetched": stats.get(f"news/site/{site}/pages", 0),
                "errors": stats.get(f"news/site/{site}/errors", 0),
                "charset_overridden": stats.get(f"news/site/{site}/charset_overridden", 0),
                "boilerplate_lines_removed": stats.get(f"boilerplate/site/{site}/lines_removed", 0),
                "template_lines_removed": stats.get(f"template/site/{site}/lines_removed", 0)
                + stats.get(f"template/site/{site}/late_lines_removed", 0),
                "duplicates": stats.get(f"dedup/site/{site}/duplicates", 0),
            }
        manifest = {
            "started": self.started.isoformat(),
            "finished": datetime.now(timezone.utc).isoformat(),
            "dump": {"file": dump.name, "lines": lines, "sha256": sha256},
            "sites": sites,
            "stats": stats,
        }
        path = dump.with_name(dump.name[: -len(".jsonl")] + ".manifest.json")
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        os.replace(tmp, path)
