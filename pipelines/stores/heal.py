"""Check the state stores, and rebuild them from the finished dumps.

Scrapy-free. The finished dumps are the record of what was written: an article is
in the repost index exactly when it is in a finished dump, and the URL state holds
the URLs and content hashes of those same lines. So a store that is unreadable,
built by another version of the algorithm, or missing while finished dumps exist
can be rebuilt from them:

- ``reposts`` (reposts.sqlite): every dumped article's text is fingerprinted
  again, one commit per dump (rows with ``duplicate_of`` are reposts: not indexed);
- ``urls`` (urls.sqlite): each dumped URL with its canonical URL, id, content hash,
  fetch time and dump (ETag and Last-Modified are not in the dumps: the next
  revisit is an unconditional GET; pages known not to be articles are fetched again);
- ``templates`` (templates.sqlite): the dumps hold texts with the template lines
  already removed, so the models are relearned from the next pages, from empty;
- ``profiles`` (profiles.sqlite): site profiles are relearned from the next pages, from empty;
- ``site_metadata`` (site_metadata.sqlite): title affixes and dated lines are relearned from the
  next pages, from empty.

A rebuilt store is written next to the old one and renamed into place; the old file
(and its -wal/-shm) is moved aside as ``<name>.broken-<UTC time>``, never deleted.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from pipelines.stores import profiles, repost_index, site_metadata, site_template, url_state
from pipelines.text import profile
from pipelines.text.normalise import ScriptConverter
from pipelines.stores.paths import STORE_FILES

logger = logging.getLogger(__name__)

FILES = STORE_FILES  # store name -> file in STATE_DIR (pipelines/stores/paths.py)
# store -> (meta key, the value this version writes): what "another version" means for each
VERSIONS = {
    "reposts": ("params", lambda: json.dumps(repost_index.PARAMS, sort_keys=True)),
    "urls": ("schema", lambda: url_state.SCHEMA),
    "templates": ("algorithm", lambda: site_template.ALGORITHM),
    "profiles": ("algorithm", lambda: profile.ALGORITHM),
    "site_metadata": ("algorithm", lambda: site_metadata.ALGORITHM),
}


# Stores of what is learned from the pages, with nothing to recover from the dumps: missing is new.
_LEARNED = ("profiles", "site_metadata")


@dataclass(frozen=True)
class StoreStatus:
    store: str
    path: Path
    state: str  # "ok" | "missing" | "unreadable" | "other-version"
    detail: str = ""

    def needs_rebuild(self, have_dumps: bool) -> bool:
        # (a missing profile store is simply learned from the pages: there is nothing to recover)
        return self.state in ("unreadable", "other-version") or (self.state == "missing" and have_dumps and self.store not in _LEARNED)

    def reason(self) -> str:
        return f"{self.state}: {self.detail}" if self.detail else self.state


@dataclass
class Rebuilt:
    store: str
    reason: str
    rows: int  # articles indexed, URLs recorded (0 for templates: relearned)
    dumps: int  # finished dumps read
    bad_lines: int  # dump lines that could not be read (skipped, logged)
    moved_to: Path | None  # where the old file went


def finished_dumps(folder: Path) -> list[Path]:
    """The finished dumps of a spider's dump folder, oldest first (``.part`` files are not finished)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.jsonl") if not p.name.endswith(".duplicates.jsonl"))


def check_store(store: str, path: Path) -> StoreStatus:
    """Readable from end to end (SQLite's quick_check reads every page) and of this version?"""
    if not path.exists() or path.stat().st_size == 0:
        return StoreStatus(store, path, "missing")
    key, current = VERSIONS[store]
    try:
        conn = sqlite3.connect(path)
        try:
            problems = [r[0] for r in conn.execute("PRAGMA quick_check(3)")]
            if problems != ["ok"]:
                return StoreStatus(store, path, "unreadable", "; ".join(problems))
            row = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return StoreStatus(store, path, "unreadable", str(exc))
    if row is None:
        return StoreStatus(store, path, "other-version", f"no {key} recorded")
    if row[0] != current():
        return StoreStatus(store, path, "other-version", f"built by {row[0]}, this version is {current()}")
    return StoreStatus(store, path, "ok")


def dump_rows(dumps: list[Path], bad: Callable[[Path, int, str], None]) -> Iterator[tuple[Path, dict]]:
    """Every readable line of the dumps; an unreadable one is reported to ``bad`` and skipped."""
    for dump in dumps:
        with dump.open(encoding="utf-8", errors="strict") as f:
            try:
                for n, raw in enumerate(f, 1):
                    if not raw.strip():
                        continue
                    try:
                        row = json.loads(raw)
                        if not isinstance(row, dict) or not row.get("id") or not row.get("url"):
                            raise ValueError("no id or url")
                    except ValueError as exc:
                        bad(dump, n, str(exc))
                        continue
                    yield dump, row
            except UnicodeDecodeError as exc:
                bad(dump, 0, f"not UTF-8 ({exc})")


def move_aside(path: Path, stamp: str) -> Path | None:
    """``x.sqlite`` (and its -wal, -shm) -> ``x.sqlite.broken-<stamp>``; None when there was no file."""
    moved = None
    for suffix in ("", "-wal", "-shm"):
        f = path.with_name(path.name + suffix)
        if f.exists():
            dest = path.with_name(f"{path.name}.broken-{stamp}{suffix}")
            os.replace(f, dest)
            if not suffix:
                moved = dest
    return moved


def _build_reposts(tmp: Path, rows: Iterator[tuple[Path, dict]]) -> int:
    index = repost_index.RepostIndex(tmp).open()
    converter = ScriptConverter()
    count = 0
    current: Path | None = None

    def commit() -> int:
        return index.commit(current.name.split(".")[0], current.name) if current is not None else 0

    try:
        for dump, row in rows:
            if dump != current:
                count += commit()
                current = dump
            if row.get("duplicate_of") or not row.get("text"):
                continue  # a repost kept with DEDUP_MODE=mark is not an original
            index.add(row["id"], repost_index.fingerprint(converter.normalise_for_matching(row["text"])))
        count += commit()
    finally:
        index.close()
    return count


def _fetched_at(value: object) -> float:
    try:
        return datetime.fromisoformat(str(value)).timestamp()
    except ValueError:
        return 0.0  # unknown: the URL is due for a revisit


def _build_urls(tmp: Path, rows: Iterator[tuple[Path, dict]]) -> int:
    store = url_state.UrlStateStore(tmp).open()
    states: dict[str, url_state.UrlState] = {}  # a revision's later dump wins
    try:
        for dump, row in rows:
            # Every page of a multi-page story (``pages``), so a later page reached on its own is
            # known; an incomplete story stays due for a revisit (fetched_at 0), as the crawl leaves it.
            incomplete = "multipage-incomplete" in (row.get("warnings") or [])
            pages = row.get("pages") if isinstance(row.get("pages"), list) else []
            for page in dict.fromkeys([row["url"], *(p for p in pages if isinstance(p, str) and p)]):
                states[page] = url_state.UrlState(
                    url=page, canonical_url=row.get("canonical_url") or row["url"], article_id=row["id"],
                    content_hash=row.get("content_hash") or "", fetched_at=0.0 if incomplete else _fetched_at(row.get("fetched_at")),
                    etag=None, last_modified=None, dump=dump.name,
                )
        store.record(list(states.values()))
    finally:
        store.close()
    return len(states)


def _build_templates(tmp: Path, rows: Iterator[tuple[Path, dict]]) -> int:
    site_template.SiteTemplateStore(tmp).save(site_template.SiteTemplateModel())  # empty, of this version
    return 0


def _build_profiles(tmp: Path, rows: Iterator[tuple[Path, dict]]) -> int:
    profiles.build_empty(tmp)  # relearned from the next pages
    return 0


def _build_site_metadata(tmp: Path, rows: Iterator[tuple[Path, dict]]) -> int:
    site_metadata.build_empty(tmp)  # relearned from the next pages
    return 0


BUILDERS = {
    "reposts": _build_reposts, "urls": _build_urls, "templates": _build_templates, "profiles": _build_profiles,
    "site_metadata": _build_site_metadata,
}


def rebuild_store(store: str, path: Path, dumps: list[Path], reason: str) -> Rebuilt:
    """Rebuild one store from the dumps, into a new file renamed into place; the old one moved aside."""
    bad_lines = 0

    def bad(dump: Path, line: int, why: str) -> None:
        nonlocal bad_lines
        bad_lines += 1
        logger.warning("Rebuilding %s: skipped %s line %d (%s)", store, dump.name, line, why)

    tmp = path.with_name(path.name + ".rebuilding")
    for suffix in ("", "-wal", "-shm", "-journal"):
        tmp.with_name(tmp.name + suffix).unlink(missing_ok=True)  # a rebuild that was itself interrupted
    rows = BUILDERS[store](tmp, dump_rows(dumps, bad))
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    moved = move_aside(path, stamp)
    os.replace(tmp, path)
    return Rebuilt(store, reason, rows, len(dumps), bad_lines, moved)


def heal(state_dir: Path, dumps_folder: Path, stores: list[str], force: bool = False) -> list[Rebuilt]:
    """Check each store and rebuild those that need it (all of ``stores`` with ``force``)."""
    dumps = finished_dumps(dumps_folder)
    out = []
    for store in stores:
        status = check_store(store, Path(state_dir) / FILES[store])
        if force or status.needs_rebuild(bool(dumps)):
            reason = "rebuild asked for" if force and status.state == "ok" else status.reason()
            out.append(rebuild_store(store, status.path, dumps, reason))
    return out
