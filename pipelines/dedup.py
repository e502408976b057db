"""Dedup stage: one copy of each article, across sites, scripts and runs.

DEDUP_MODE=drop (default): a repost is dropped (``ExactDuplicate`` /
``NearDuplicate("near-duplicate of <id>")``) and recorded in
``<dump>.duplicates.jsonl`` with its url, duplicate_of, similarity and reason.
DEDUP_MODE=mark: it stays in the dump with ``duplicate_of`` set.

Which copy is kept. Across runs, the copy already dumped. Within a run, the
original: the page whose outlet (the sites-file ``outlet`` key) the other names
as its ``source``; else the earlier ``published``; else the first seen. When
the original arrives after its repost was kept, the repost is demoted and the
dump finaliser (crawler.extensions.FinalPass) moves it out of the dump and of
every local JSON Lines/JSON feed, or marks it there in mark mode.

The index (pipelines.stores.repost_index) is committed by the dump finaliser once the
dump is in place.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from pipelines.text.normalise import ScriptConverter
from pipelines.stores.redis_state import RaceLost, shared_state
from pipelines.stores.repost_index import Fingerprint, Match, RepostIndex, fingerprint
from pipelines.stores.paths import dump_folder, store_path

logger = logging.getLogger(__name__)


class ExactDuplicate(DropItem):
    """The same text (after normalisation) was already kept."""


class NearDuplicate(DropItem):
    """A near-duplicate of a kept article (MinHash-LSH, verified)."""


class AlreadyDumped(DropItem):
    """The same article (same canonical URL and text) is already in a dump."""


@dataclass(slots=True)
class Kept:
    article_id: str
    url: str
    site: str
    source: str | None
    published: str | None


_RACE_RETRIES = 20


class DedupStage:
    def __init__(self, index: RepostIndex, mode: str, outlets: dict[str, set[str]], stats: Any, duplicates_path: Path | None,
                 converter: ScriptConverter | None = None) -> None:
        self.index = index
        self.mode = mode
        self.outlets = outlets  # site name -> normalised outlet names
        self.stats = stats
        self.converter = converter or ScriptConverter()
        self.kept: dict[str, Kept] = {}
        self.demoted: dict[str, dict[str, Any]] = {}  # article id -> duplicate record
        self.duplicates_path = duplicates_path
        self._duplicates_file = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> "DedupStage":
        s = crawler.settings
        if not s.getbool("DEDUP_ENABLED"):
            raise NotConfigured("DEDUP_ENABLED is off")
        mode = s.get("DEDUP_MODE")
        if mode not in ("drop", "mark"):
            raise ValueError(f"DEDUP_MODE must be 'drop' or 'mark', got {mode!r}")
        threshold, contain = s.getfloat("DEDUP_THRESHOLD"), s.getfloat("DEDUP_CONTAINMENT")
        if not (0.5 <= threshold <= 1 and 0.5 <= contain <= 1):
            raise ValueError("DEDUP_THRESHOLD and DEDUP_CONTAINMENT must be between 0.5 and 1")
        if s.get("REDIS_URL"):
            index = shared_state(crawler).repost_index(threshold, contain)
        else:
            path = store_path(s, "reposts") if s.getbool("DEDUP_PERSIST") else None
            index = RepostIndex(path, threshold, contain).open()
        sites = getattr(crawler.spider, "sites", []) if crawler.spider else []
        converter = ScriptConverter()
        outlets = {site.name: {converter.normalise_for_matching(o) for o in site.outlet} for site in sites}
        dup_path = None
        spider = crawler.spider
        if spider is not None and getattr(spider, "run_id", None):
            dup_path = dump_folder(s, spider.name) / f"{spider.run_id}.duplicates.jsonl.part"
        stage = cls(index, mode, outlets, crawler.stats, dup_path, converter)
        crawler.dedup_stage = stage  # the dump finaliser commits the index through it
        return stage

    # -- which copy is the original --------------------------------------------------

    def _names_outlet_of(self, source: str | None, site: str) -> bool:
        return bool(source) and self.converter.normalise_for_matching(source) in self.outlets.get(site, set())

    def _is_original(self, new: Kept, old: Kept) -> bool:
        """True when ``new`` should be kept over ``old`` (both from this run)."""
        if self._names_outlet_of(old.source, new.site) and not self._names_outlet_of(new.source, old.site):
            return True
        if self._names_outlet_of(new.source, old.site) and not self._names_outlet_of(old.source, new.site):
            return False
        if new.published and old.published and new.published[:19] < old.published[:19]:
            return True
        return False

    # -- the stage ---------------------------------------------------------------------

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        normalised = adapter.get("matching_text")
        if normalised is None:  # no fingerprint stage before this one
            normalised = self.converter.normalise_for_matching(adapter.get("text") or "")
        adapter["matching_text"] = None  # not needed past this stage
        prepared, adapter["prepared"] = adapter.get("prepared"), None
        fp = prepared and prepared.fingerprint_for(normalised)
        if not fp:
            if prepared:
                self.stats.inc_value("prepared/stale/dedup")
            fp = fingerprint(normalised)
        me = Kept(adapter["id"], adapter["url"], adapter.get("site") or "", adapter.get("source"), adapter.get("published"))
        for _ in range(_RACE_RETRIES):
            try:
                return self._decide(item, adapter, fp, me)
            except RaceLost:
                # Another worker kept a matching text between our check and our insert
                # (shared Redis index): check again, against it this time.
                self.stats.inc_value("dedup/race_retries")
        raise DropItem(f"repost index too busy: no decision after {_RACE_RETRIES} tries")

    def _decide(self, item: Any, adapter: ItemAdapter, fp: Any, me: Kept) -> Any:
        match = self.index.find(fp, me.article_id)
        if match is not None and match.article_id == me.article_id:
            if adapter.get("revisit") and match.reason != "exact" and not match.pending:
                # A revisit (REVISIT_AFTER passed) found the dumped article changed: a revision.
                adapter["revision"] = True
                self.stats.inc_value("dedup/revisions")
                return self._keep(item, adapter, me, fp)
            # The same article again (another URL of it, or a later run): not a repost.
            self.stats.inc_value("dedup/already_dumped")
            raise AlreadyDumped(f"already dumped as {me.article_id}")
        if match is not None and match.pending and self._is_original(me, self.kept[match.article_id]):
            self._demote(match, me)
            return self._keep(item, adapter, me, fp)
        if match is not None:
            return self._duplicate(item, adapter, match)
        return self._keep(item, adapter, me, fp)

    def _keep(self, item: Any, adapter: ItemAdapter, me: Kept, fp: Fingerprint) -> Any:
        self.index.add(me.article_id, fp)
        self.kept[me.article_id] = me
        self.stats.inc_value("dedup/kept")
        return item

    def _demote(self, match: Match, original: Kept) -> None:
        old = self.kept.pop(match.article_id)
        self.index.discard(old.article_id)
        record = {"url": old.url, "id": old.article_id, "duplicate_of": original.article_id,
                  "similarity": match.similarity, "reason": f"{match.reason}; original seen later in the run"}
        self.demoted[old.article_id] = record
        self.stats.inc_value("dedup/demoted")
        logger.info("Kept %s over its earlier-seen repost %s", original.url, old.url)

    def _duplicate(self, item: Any, adapter: ItemAdapter, match: Match) -> Any:
        kind = "exact" if match.reason == "exact" else "near"
        self.stats.inc_value(f"dedup/{kind}_duplicate")
        self.stats.inc_value(f"dedup/site/{adapter.get('site')}/duplicates")
        if self.mode == "mark":
            adapter["duplicate_of"] = match.article_id
            return item
        self.record_duplicate({"url": adapter["url"], "id": adapter["id"], "duplicate_of": match.article_id,
                      "similarity": match.similarity, "reason": match.reason})
        if kind == "exact":
            raise ExactDuplicate(f"exact duplicate of {match.article_id}")
        raise NearDuplicate(f"near-duplicate of {match.article_id} ({match.reason})")

    def open_spider(self) -> None:
        self.recover()
        if self.duplicates_path is not None:
            self.index.start_run(self.duplicates_path.name.split(".")[0])

    def recover(self) -> int:
        """Finish what a crash interrupted. A run begun on this store whose dump was renamed
        into place but whose index commit never happened is re-indexed from its dump (the
        dump is the record of what was written); one that died before its dump was finished
        left nothing to index. Dumps this store never started are not its business: a new
        STATE_DIR starts over."""
        if self.duplicates_path is None or self.index.path is None:
            return 0
        added = 0
        for run in self.index.unfinished_runs():
            dump = self.duplicates_path.parent / f"{run}.jsonl"
            if not dump.exists():
                self.index.forget_run(run)
                continue
            for raw in dump.read_text(encoding="utf-8").splitlines():
                row = json.loads(raw)
                if row.get("duplicate_of") or not row.get("text"):
                    continue
                self.index.add(row["id"], fingerprint(self.converter.normalise_for_matching(row["text"])))
            added += self.index.commit(run, dump.name)
            logger.warning("Repost index was missing %s (a crash after the dump was written): re-indexed it from the dump", dump.name)
        if added:
            self.stats.inc_value("dedup/recovered", added)
        return added

    def record_duplicate(self, record: dict[str, Any]) -> None:
        """Append one record to this run's duplicates file."""
        if self.duplicates_path is None:
            return
        if self._duplicates_file is None:
            self.duplicates_path.parent.mkdir(parents=True, exist_ok=True)
            self._duplicates_file = self.duplicates_path.open("a", encoding="utf-8")
        self._duplicates_file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._duplicates_file.flush()

    def close_spider(self) -> None:
        if self._duplicates_file is not None:
            self._duplicates_file.close()
            self._duplicates_file = None

    # -- called by the dump finaliser ----------------------------------------------------

    def record_demoted(self, article_id: str) -> dict[str, Any] | None:
        """The duplicate record of an article kept then demoted in this run, or None."""
        return self.demoted.get(article_id)

    def text_changed(self, article_id: str, text: str) -> None:
        """The finaliser stripped late template lines: fingerprint what is really dumped."""
        self.index.replace(article_id, fingerprint(self.converter.normalise_for_matching(text)))

    def commit(self, run: str, dump: str, dumped_ids: set[str] | None) -> int:
        n = self.index.commit(run, dump, dumped_ids)
        self.stats.set_value("dedup/committed", n)
        return n
