"""Run-level extensions: finalise the default dump (and local -o/-O feeds) and write the run manifest."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import statistics
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scrapy import Request, signals

from crawler.feeds import LocalFeed, is_default_dump, user_feeds
from pipelines.text.normalise import ScriptConverter, content_hash
from pipelines.text.structure import align_markdown
from pipelines.text.taxonomy import keywords_line
from pipelines.stores.paths import dump_folder

logger = logging.getLogger(__name__)

# Record fields whose share of a site's articles the manifest gives (<name>_share).
RECORD_SHARES = ("images", "keywords", "section")


def share(counts: Counter[str], name: str) -> float | None:
    """Share of the articles whose field ``name`` was read that have it; None when none was read."""
    read = counts[f"{name}/read"]
    return round(counts[name] / read, 4) if read else None


def sibling(dump: Path, suffix: str) -> Path:
    """``<run>.jsonl`` -> ``<run><suffix>``: the run's duplicates file, manifest, job marker."""
    return dump.with_name(dump.name[: -len(".jsonl")] + suffix)


def complete_lines(dump: Path) -> list[tuple[str, Any]]:
    """A dump's complete lines and their rows, up to a torn last line (a killed writer's)."""
    out = []
    for line in dump.read_text(encoding="utf-8").splitlines(keepends=True):
        try:
            out.append((line, json.loads(line)))
        except ValueError:
            break
    return out


def finish_part(part: Path) -> tuple[Path, int]:
    """Turn a killed run's ``<run>.jsonl.part`` into ``<run>.jsonl``: its complete lines, up to a
    torn last line, written through a temporary file and an atomic rename. (final path, lines)"""
    kept = [line for line, _ in complete_lines(part)]
    final = part.with_name(part.name[: -len(".part")])
    tmp = final.with_suffix(".jsonl.tmp")
    tmp.write_text("".join(kept), encoding="utf-8")
    os.replace(tmp, final)
    part.unlink()
    return final, len(kept)


class FinalPass:
    """What every output of a run gets when the run is over, the default dump and local feeds
    alike: a repost kept before its original came is marked (``DEDUP_MODE=mark``) or left out
    and recorded in the duplicates file (``drop``), and lines that became template after an
    article went out (a cold site's first pages) are stripped with the final per-site models.
    The repost index, the URL state, the duplicates file and the stats hear of each article
    once, however many outputs hold it."""

    def __init__(self, crawler: Any) -> None:
        template_stage = getattr(crawler, "template_stage", None)
        # The model as the run left it (persisted or not).
        self.model = template_stage.model if template_stage is not None else None
        self.dedup = getattr(crawler, "dedup_stage", None)
        self.url_state = getattr(crawler, "url_state_stage", None)
        self.stats = crawler.stats
        self.converter = ScriptConverter()
        self.late = 0  # late template lines removed, each article counted once
        self._counted = 0
        self._seen: set[str] = set()

    def apply(self, row: dict[str, Any]) -> tuple[dict[str, Any] | None, bool]:
        """(the row as it is to be written, or None when it leaves the output; whether it was demoted)."""
        aid = row.get("id")
        first = aid is not None and aid not in self._seen
        if first:
            self._seen.add(aid)
        demoted = self.dedup.record_demoted(aid) if self.dedup is not None and aid is not None else None
        if demoted is not None:
            if self.dedup.mode == "drop":
                if first:
                    self.dedup.record_duplicate(demoted)
                return None, True
            if "duplicate_of" in row:  # (a feed's `fields` may leave it out)
                row["duplicate_of"] = demoted["duplicate_of"]
        if self.model is not None and row.get("description") and self.model.is_template(row.get("site", ""), row["description"]):
            row["description"] = None  # the site's generic description, known once more pages came
        if self.model is not None and row.get("keywords") and self.model.is_template(row.get("site", ""), keywords_line(row["keywords"])):
            row["keywords"] = []  # the site's generic meta keywords, likewise
        if self.model is not None and row.get("text"):
            kept, removed = self.model.strip(row.get("site", ""), row["text"].split("\n"))
            if removed:
                row["text"] = "\n".join(kept)
                if row.get("markdown"):
                    row["markdown"] = align_markdown(row["markdown"], row["text"])
                new_hash = content_hash(self.converter.normalise_for_matching(row["text"]))
                if "content_hash" in row:
                    row["content_hash"] = new_hash
                if first:
                    self.late += len(removed)
                    self.stats.inc_value(f"template/site/{row.get('site')}/late_lines_removed", len(removed))
                    # The index and the URL state must describe the text as written.
                    if self.dedup is not None:
                        self.dedup.text_changed(aid, row["text"])
                    if self.url_state is not None:
                        self.url_state.text_changed(aid, new_hash)
        return row, demoted is not None

    def count(self) -> None:
        """Add the late lines removed since the last call to the stats (before a manifest)."""
        if self.late > self._counted:
            self.stats.inc_value("template/late_lines_removed", self.late - self._counted)
            self._counted = self.late


class DumpFinalizer:
    """When Scrapy's feed exporter has closed the default dump (``<run>.jsonl.part``):

    1. re-strip it with the final per-site template models (lines that became
       template after an article was emitted: a cold site's first pages);
    2. write it to ``<run>.jsonl`` through a temporary file and an atomic rename;
    3. write ``<run>.manifest.json`` (line count, sha256, per-site counts, stats).

    Local JSON Lines/JSON feeds (-o/-O, FEEDS) get steps 1-2 in place (``FinalPass``, via
    ``crawler.feeds.LocalFeed``); other feeds are named at start as streaming.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.started = datetime.now(timezone.utc)
        self.local_feeds: list[LocalFeed] = []  # -o/-O/FEEDS files the final pass rewrites too

    @classmethod
    def from_crawler(cls, crawler: Any) -> "DumpFinalizer":
        ext = cls(crawler)
        # After the feed exporter's own spider_opened (an extension built before this one).
        crawler.signals.connect(ext.note_feeds, signal=signals.spider_opened)
        crawler.signals.connect(ext.feed_exporter_closed, signal=signals.feed_exporter_closed)
        # Before the pipelines open: the repost index's recovery must see salvaged dumps.
        ext.salvage_killed_job()
        return ext

    def _dump_dir(self) -> Path:
        return dump_folder(self.crawler.settings, self.crawler.spider.name)

    def salvage_killed_job(self) -> list[Path]:
        """Resuming a JOBDIR crawl after a hard kill: Scrapy's saved seen-set will not
        request again the pages whose articles were in the killed run's ``.part``, so that
        file is finished here instead (complete lines kept, a torn last line dropped).
        Without JOBDIR, a killed run's ``.part`` is left alone: its pages are fetched again."""
        jobdir = self.crawler.settings.get("JOBDIR")
        spider = self.crawler.spider
        if not jobdir or spider is None:
            return []
        folder = self._dump_dir()
        folder.mkdir(parents=True, exist_ok=True)
        salvaged = []
        killed = False
        for marker in sorted(folder.glob("*.jobdir")):
            run = marker.name[: -len(".jobdir")]
            part = folder / f"{run}.jsonl.part"
            if run == spider.run_id or marker.read_text(encoding="utf-8").strip() != str(Path(jobdir).resolve()):
                continue
            if part.exists():
                # The torn line the kill left is dropped; its page is requested again (below).
                final, kept = finish_part(part)
                salvaged.append(final)
                self.crawler.stats.inc_value("jobdir/salvaged_articles", kept)
                logger.warning("Finished the dump of killed run %s from its .part (%d articles)", run, kept)
            # Its reposts' pages are requested again (only dumped articles stay "seen"), and
            # recorded by this run: the killed run's partial duplicates file would repeat them.
            (folder / f"{run}.duplicates.jsonl.part").unlink(missing_ok=True)
            marker.unlink()
            killed = True
        if killed:
            self._drop_killed_queue(Path(jobdir))
        if salvaged:
            self._forget_unwritten_requests(Path(jobdir), salvaged)
        # Mark this run's .part as belonging to this job, for the next resume.
        (folder / f"{spider.run_id}.jobdir").write_text(str(Path(jobdir).resolve()), encoding="utf-8")
        return salvaged

    def _drop_killed_queue(self, jobdir: Path) -> None:
        """A hard-killed run leaves its disk queue unreadable: queuelib writes a queue's size
        (and Scrapy the list of queues) only when the scheduler closes, and the killed process's
        buffered writes are torn. Resumed over it, a queue file reports a wrong size, so the new
        run pops the dead run's stale requests in place of its own and never pops some of what it
        pushed: articles lost without a trace. The queue is dropped instead; every page not in a
        finished dump is out of the seen-set (below) and is reached again from the start pages."""
        queue = jobdir / "requests.queue"
        if queue.exists():
            shutil.rmtree(queue)
            self.crawler.stats.set_value("jobdir/killed_queue_dropped", 1)
            logger.warning("Dropped the request queue of the killed run in %s (unreadable after a hard kill): "
                           "its pages are requested again from the start pages", jobdir)

    def _forget_unwritten_requests(self, jobdir: Path, dumps: list[Path]) -> None:
        """Keep in the job's seen-set only the requests whose articles are in a finished dump.
        The killed run also marked pages whose items were still in a write buffer, or torn:
        those must be requested again. List pages requested again are harmless."""
        seen = jobdir / "requests.seen"
        if not seen.exists():
            return
        fp = self.crawler.request_fingerprinter
        written = {fp.fingerprint(Request(json.loads(line)["url"])).hex() for d in dumps for line in d.read_text(encoding="utf-8").splitlines()}
        before = seen.read_text(encoding="utf-8").split()
        after = [f for f in before if f in written]
        tmp = seen.with_suffix(".tmp")
        tmp.write_text("".join(f + "\n" for f in after), encoding="utf-8")
        os.replace(tmp, seen)
        self.crawler.stats.set_value("jobdir/requests_forgotten", len(before) - len(after))

    def _part_files(self) -> list[Path]:
        out = []
        for uri in self.crawler.settings.getdict("FEEDS"):
            if is_default_dump(uri):
                spider = self.crawler.spider
                params = {"name": spider.name, "run": getattr(spider, "run_id", "")}
                path = Path(str(uri) % params)
                if path.exists():
                    out.append(path)
        return out

    def note_feeds(self) -> None:
        """Which feeds besides the default dump get the final pass; the others are named now."""
        self.local_feeds, streaming = user_feeds(self.crawler)
        for uri, why in streaming:
            self.crawler.stats.inc_value("feeds/streaming")
            logger.warning("Feed %s gets streaming semantics (%s): items as they came, so a repost kept before its "
                           "original stays unlinked (DEDUP_MODE=mark) or kept (drop), and lines found to be template "
                           "later in the run stay. Local .jsonl/.json feeds and the default dump are finalised.", uri, why)

    def feed_exporter_closed(self) -> None:
        stats = self.crawler.stats
        shared_queue_was_empty = self.crawler.settings.get("REDIS_URL") and not stats.get_value("scheduler/dequeued/redis")
        if not stats.get_value("response_received_count") and not shared_queue_was_empty:
            # (A distributed worker that found the shared queue empty has nothing to fail at.)
            self.fail("no site reachable: not one response received")
        parts = self._part_files()
        final_pass = FinalPass(self.crawler)
        try:
            # Scrapy has closed every feed file: each gets the pass, before the index commit.
            for feed in self.local_feeds:
                if not feed.path.exists():
                    continue
                try:
                    demoted = feed.rewrite(self.crawler, final_pass)
                except (OSError, ValueError) as exc:  # unwritable, or lines that are not JSON
                    self.fail(f"feed {feed.path} could not be finalised: {exc}")
                    continue
                stats.inc_value("feeds/rewritten")
                stats.inc_value("feeds/demoted", demoted)
                logger.info("Feed finalised: %s (%d reposts demoted)", feed.path, demoted)
            for part in parts:
                self.finalise(part, final_pass)
            final_pass.count()
            dedup = getattr(self.crawler, "dedup_stage", None)
            if not parts and dedup is not None:
                # -o/-O feeds only: everything kept and not demoted went there.
                self.finish_duplicates(dedup.duplicates_path)
                dedup.commit(self.crawler.spider.run_id, "(feed given with -o/-O)", None)
            url_state = getattr(self.crawler, "url_state_stage", None)
            if not parts and url_state is not None:
                url_state.commit("(feed given with -o/-O)", None)
        except (OSError, sqlite3.Error) as exc:
            self.fail(f"state or dump unwritable: {exc}")

    def finish_duplicates(self, dup_part: Path | None) -> None:
        """Flush this run's duplicates file and rename ``<run>.duplicates.jsonl.part`` into place."""
        self.crawler.dedup_stage.close_spider()
        if dup_part is not None and dup_part.exists():
            os.replace(dup_part, dup_part.with_suffix(""))

    def fail(self, reason: str) -> None:
        """The run failed as a whole: logged, counted, and `scrapy crawl` exits with status 2."""
        logger.error("Run failed: %s", reason)
        self.crawler.stats.set_value("run/failed", reason)

    def finalise(self, part: Path, final_pass: FinalPass | None = None) -> Path:
        final = part.with_suffix("")  # x.jsonl.part -> x.jsonl
        tmp = final.with_suffix(".jsonl.tmp")
        final_pass = final_pass or FinalPass(self.crawler)
        dedup = getattr(self.crawler, "dedup_stage", None)
        url_state = getattr(self.crawler, "url_state_stage", None)
        digest = hashlib.sha256()
        per_site: Counter[str] = Counter()
        lengths: dict[str, list[int]] = {}
        flagged: Counter[str] = Counter()
        with_field: dict[str, Counter[str]] = defaultdict(Counter)
        dumped_ids: set[str] = set()
        lines = 0
        with part.open("r", encoding="utf-8") as src, tmp.open("w", encoding="utf-8") as dst:
            for raw in src:
                if not raw.strip():
                    continue
                row, _ = final_pass.apply(json.loads(raw))
                if row is None:
                    continue
                out = json.dumps(row, ensure_ascii=False) + "\n"
                dst.write(out)
                digest.update(out.encode("utf-8"))
                per_site[row.get("site", "")] += 1
                lengths.setdefault(row.get("site", ""), []).append(len(row.get("text") or ""))
                for name in RECORD_SHARES:
                    if row.get(name) is not None:  # (null: not read, RECORD_FIELDS off)
                        with_field[row.get("site", "")][f"{name}/read"] += 1
                    if row.get(name):
                        with_field[row.get("site", "")][name] += 1
                if row.get("warnings"):
                    flagged[row.get("site", "")] += 1
                lines += 1
                if not row.get("duplicate_of"):
                    dumped_ids.add(row.get("id"))
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, final)
        part.unlink()
        sibling(final, ".jobdir").unlink(missing_ok=True)
        if dedup is not None:
            self.finish_duplicates(sibling(final, ".duplicates.jsonl.part"))
            # Only now that the dump is in place: an index entry exists iff its article was dumped.
            dedup.commit(self.crawler.spider.run_id, final.name, dumped_ids)
        if url_state is not None:
            url_state.commit(final.name, dumped_ids)
        final_pass.count()
        health = self.check_health(final.parent, per_site, lengths, flagged)
        self.write_manifest(final, lines, digest.hexdigest(), per_site, health, lengths, flagged, with_field)
        logger.info("Dump finalised: %s (%d articles, %d late template lines removed)", final, lines, final_pass.late)
        return final

    def check_health(self, folder: Path, per_site: Counter[str], lengths: dict[str, list[int]], flagged: Counter[str]) -> dict[str, list[str]]:
        """Compare each site with its previous runs (their manifests): a yield that falls to
        zero, a median text length that collapses, a jump in flagged items. A broken layout
        or a changed site shows up the same day."""
        s = self.crawler.settings
        history = []
        for path in sorted(folder.glob("*.manifest.json"))[-s.getint("HEALTH_HISTORY_RUNS"):]:
            try:
                history.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue
        warnings: dict[str, list[str]] = {}
        for site in sorted({x.name for x in getattr(self.crawler.spider, "sites", [])} | set(per_site)):
            past = [m["sites"][site] for m in history if site in m.get("sites", {})]
            if not past:
                continue
            # Only runs that fetched candidate pages say anything about the yield: on a quiet
            # day an incremental run fetches none, and that is healthy.
            active = [p for p in past if p.get("candidates_fetched", 0) > 0] or [{}]
            usual_yield = statistics.median(p.get("articles_extracted", 0) for p in active)
            candidates = self.crawler.stats.get_value(f"news/site/{site}/candidates", 0)
            # Length and flagged share exist only for runs that dumped articles; a quiet run's
            # zeros would drag the usual values down and hide a collapse.
            dumped = [p for p in past if p.get("articles", 0) > 0] or [{}]
            usual_len = statistics.median(p.get("median_text_length", 0) for p in dumped)
            usual_flag = statistics.median(p.get("flagged_share", 0.0) for p in dumped)
            extracted = self.crawler.stats.get_value(f"extract/site/{site}/articles", 0)
            now = per_site.get(site, 0)
            site_warnings = []
            if usual_yield > 0 and candidates > 0 and extracted == 0:
                site_warnings.append(f"no articles extracted from {candidates} candidate pages (usually {usual_yield:g})")
            median_len = statistics.median(lengths[site]) if now else 0
            if now and usual_len and median_len < s.getfloat("HEALTH_MIN_LENGTH_RATIO") * usual_len:
                site_warnings.append(f"median text length {median_len:g} (usually {usual_len:g})")
            if now and flagged[site] / now > usual_flag + s.getfloat("HEALTH_MAX_FLAGGED_JUMP"):
                site_warnings.append(f"{flagged[site] / now:.0%} of items flagged (usually {usual_flag:.0%})")
            if site_warnings:
                warnings[site] = site_warnings
                self.crawler.stats.inc_value("health/sites_warned")
                for w in site_warnings:
                    logger.warning("Site %s: %s", site, w)
        return warnings

    def write_manifest(self, dump: Path, lines: int, sha256: str, per_site: Counter[str], health: dict[str, list[str]] | None = None,
                       lengths: dict[str, list[int]] | None = None, flagged: Counter[str] | None = None,
                       with_field: dict[str, Counter[str]] | None = None) -> None:
        lengths = lengths or {}
        with_field = with_field or {}
        flagged = flagged or Counter()
        health = health or {}
        stats = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.crawler.stats.get_stats().items()}
        sites = {}
        for site in sorted({s.name for s in getattr(self.crawler.spider, "sites", [])} | set(per_site)):
            sites[site] = {
                "articles": per_site.get(site, 0),
                "articles_extracted": stats.get(f"extract/site/{site}/articles", 0),
                "candidates_fetched": stats.get(f"news/site/{site}/candidates", 0),
                "pages_fetched": stats.get(f"news/site/{site}/pages", 0),
                "errors": stats.get(f"news/site/{site}/errors", 0),
                "charset_overridden": stats.get(f"news/site/{site}/charset_overridden", 0),
                "boilerplate_lines_removed": stats.get(f"boilerplate/site/{site}/lines_removed", 0),
                "template_lines_removed": stats.get(f"template/site/{site}/lines_removed", 0)
                + stats.get(f"template/site/{site}/late_lines_removed", 0),
                "duplicates": stats.get(f"dedup/site/{site}/duplicates", 0),
                "errors_by_kind": {k.rsplit("/", 1)[-1]: v for k, v in stats.items() if k.startswith(f"news/site/{site}/error/")},
                "median_text_length": statistics.median(lengths[site]) if lengths.get(site) else 0,
                "flagged_share": round(flagged[site] / per_site[site], 4) if per_site.get(site) else 0.0,
                "health_warnings": health.get(site, []),
                # share of the site's dumped articles with pictures, keywords, a section (of those
                # whose field was read: null when none was, RECORD_FIELDS off)
                **{f"{name}_share": share(with_field.get(site, Counter()), name) if per_site.get(site) else 0.0
                   for name in RECORD_SHARES},
            }
        manifest = {
            "started": self.started.isoformat(),
            "finished": datetime.now(timezone.utc).isoformat(),
            "dump": {"file": dump.name, "lines": lines, "sha256": sha256},
            "exit_status": 2 if stats.get("run/failed") else 0,
            "failure": stats.get("run/failed"),
            # store -> why it was rebuilt from the finished dumps at start-up (crawler/state.py)
            "state_rebuilt": dict(getattr(getattr(self.crawler, "state_guard", None), "rebuilt", {})),
            "sites": sites,
            "stats": stats,
        }
        path = sibling(dump, ".manifest.json")
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        os.replace(tmp, path)
        logger.info("Run summary (%s):\n%s", dump.name, summary_table(sites))


def summary_table(sites: dict[str, dict[str, Any]]) -> str:
    """The per-site table printed at the end of a run."""
    head = f"{'site':<16} {'pages':>6} {'articles':>8} {'dups':>5} {'boilerpl.':>9} {'template':>8} {'charset':>7} {'errors':>6}  health"
    rows = [head, "-" * len(head)]
    for name, s in sites.items():
        rows.append(
            f"{name[:16]:<16} {s['pages_fetched']:>6} {s['articles']:>8} {s['duplicates']:>5} {s['boilerplate_lines_removed']:>9} "
            f"{s['template_lines_removed']:>8} {s['charset_overridden']:>7} {s['errors']:>6}  {'; '.join(s['health_warnings']) or 'ok'}"
        )
    return "\n".join(rows)
