"""The corpus out of the finished dumps: every article once, at its latest revision.

Two passes, so that the corpus is never held in memory:

1. **Resolve.** Every line of the dumps to add is read once for its ``id``, ``fetched_at`` and
   ``duplicate_of``, and an on-disk SQLite index keeps, per id, the key of the latest row: the
   total order (``fetched_at``, run, line), so the row kept never depends on the order the dumps
   arrived or were read in. A run is ``<run id> <spider>`` (the dump's file name first: runs sort
   by their start time, a distributed worker's ``<run>-<worker>`` beside its run).
2. **Write.** The dumps are read again and each id's winning row is streamed into shards
   (Parquet with zstd, or JSONL) of at most ``max_rows`` rows and ``max_bytes`` bytes of Arrow
   data. A winner with ``duplicate_of`` (a repost, in a DEDUP_MODE=mark dump) is left out, or
   kept with ``duplicate_of`` as it is with ``with_duplicates``: the original's id, even when the
   original is not in the export (another site, or a site left out with ``sites``).

An incremental export (``since``) reads only the dumps not in the previous export. The previous
export's index (``export.sqlite``) gives the key of every row it holds, so a new revision of an
id replaces the old row and an older copy does not; the previous shards are streamed into the
new ones, less the rows a newer one replaced. With nothing new, nothing is written.

Crash-safe: everything is written into a temporary folder beside ``OUT`` and swapped in whole
(``renameat2(RENAME_EXCHANGE)``, one atomic step), so a killed export leaves the previous export
as it was, and a reader never sees half of one.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import logging
import os
import shutil
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from export.card import write_card
from export.schema import arrow_schema
from pipelines.stores.heal import finished_dumps

logger = logging.getLogger(__name__)

INDEX = "export.sqlite"
RECORD = "export.json"
DATA = "data"
FORMATS = ("parquet", "jsonl")
_BATCH_ROWS = 5_000  # rows converted to Arrow at a time (and the Parquet row group size)


class ExportError(Exception):
    """An export that cannot be made as asked (the message says why); nothing was changed."""


@dataclass(frozen=True)
class ExportOptions:
    out: Path
    format: str = "parquet"
    since: str | None = None  # None: every dump; "last": the dumps not in OUT's export; else a run id
    with_duplicates: bool = False
    sites: tuple[str, ...] = ()  # () = every site
    max_rows: int = 100_000
    max_bytes: int = 256 * 2**20

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ExportError(f"--format must be one of {', '.join(FORMATS)}, not {self.format!r}")
        if self.max_rows < 1 or self.max_bytes < 1:
            raise ExportError("shard limits must be positive")


@dataclass
class ExportResult:
    out: Path
    written: bool  # False: nothing new, OUT untouched
    rows: int = 0
    shards: int = 0
    dumps_added: int = 0
    lines_read: int = 0
    superseded: int = 0  # rows an id's later revision (or a later copy) replaced
    reposts_left_out: int = 0
    bad_lines: Counter[str] = field(default_factory=Counter)  # reason -> lines skipped
    seconds: float = 0.0


@dataclass(frozen=True)
class Dump:
    path: Path
    rel: str  # "<spider>/<file>", its name in export.json
    run: str  # "<run id> <spider>": the run part of the total order

    @property
    def run_id(self) -> str:
        return self.path.name[: -len(".jsonl")]


def find_dumps(dumps_dir: Path) -> list[Dump]:
    """The finished dumps of every spider's folder in DUMPS_DIR (all workers' files), in run order."""
    found = []
    if dumps_dir.is_dir():
        for folder in sorted(p for p in dumps_dir.iterdir() if p.is_dir()):
            for path in finished_dumps(folder):
                run_id = path.name[: -len(".jsonl")]
                found.append(Dump(path, f"{folder.name}/{path.name}", f"{run_id} {folder.name}"))
    return sorted(found, key=lambda d: d.run)


def fetched_key(value: Any) -> int:
    """``fetched_at`` as microseconds since the epoch (the first part of the total order)."""
    if not isinstance(value, str):
        raise ValueError("no fetched_at")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1_000_000)


def read_record(out: Path) -> dict[str, Any] | None:
    path = out / RECORD
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ExportError(f"{path}: unreadable ({exc}); export afresh without --since") from exc


def export_corpus(dumps_dir: Path, options: ExportOptions, json_schema: dict[str, Any]) -> ExportResult:
    started = time.perf_counter()
    out = options.out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with _ExportLock(out):
        _recover_swap(out)
        previous = read_record(out)
        all_dumps = find_dumps(dumps_dir)
        base, new = _plan(options, previous, all_dumps)
        result = ExportResult(out, written=False)
        nothing_new = (not new and base is not None) if options.since is not None else \
            (previous is not None and _same_request(previous, options, all_dumps))
        if nothing_new:
            result.seconds = time.perf_counter() - started
            return result
        tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            _Export(options, json_schema, tmp, out if base is not None else None, base, new, result).run()
            _swap_in(tmp, out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        result.written = True
        result.seconds = time.perf_counter() - started
        return result


def _plan(options: ExportOptions, previous: dict[str, Any] | None, all_dumps: list[Dump]) -> tuple[dict[str, Any] | None, list[Dump]]:
    """(the previous export to build on, or None; the dumps to add)."""
    if options.since is None:
        return None, all_dumps
    if previous is not None:
        for key, asked in (("format", options.format), ("with_duplicates", options.with_duplicates), ("sites", sorted(options.sites))):
            if previous.get(key) != asked:
                raise ExportError(f"{options.out} was exported with {key}={previous.get(key)!r}, this export asks for {asked!r}: "
                                  "export afresh (without --since) or into another folder")
    done = set(previous["dumps"]) if previous is not None else set()
    new = [d for d in all_dumps if d.rel not in done]
    if options.since != "last":
        new = [d for d in new if d.run_id > options.since]
    elif previous is None:
        logger.info("No previous export in %s: exporting every dump", options.out)
    return previous, new


def _same_request(previous: dict[str, Any], options: ExportOptions, all_dumps: list[Dump]) -> bool:
    """A full export asked again over the same dumps, with the same options: nothing to do."""
    return (previous.get("format") == options.format and previous.get("with_duplicates") == options.with_duplicates
            and previous.get("sites") == sorted(options.sites) and set(previous.get("dumps", {})) == {d.rel for d in all_dumps}
            and previous.get("max_rows") == options.max_rows and previous.get("max_bytes") == options.max_bytes)


class _Export:
    """One export into ``tmp``: resolve (pass 1), then write (pass 2), then the record and the card."""

    def __init__(self, options: ExportOptions, json_schema: dict[str, Any], tmp: Path, previous_out: Path | None,
                 previous: dict[str, Any] | None, new: list[Dump], result: ExportResult) -> None:
        self.options = options
        self.json_schema = json_schema
        self.schema = arrow_schema(json_schema)
        self.tmp = tmp
        self.previous_out = previous_out
        self.previous = previous
        self.new = new
        self.result = result
        self.sites = set(options.sites)
        self.dump_lines: dict[str, dict[str, int]] = {}  # rel -> lines and bytes, for export.json

    def run(self) -> None:
        if self.previous_out is not None:
            if not (self.previous_out / INDEX).exists():
                raise ExportError(f"{self.previous_out / INDEX} is missing, so the rows a new revision replaces "
                                  "cannot be found: export afresh (without --since)")
            shutil.copyfile(self.previous_out / INDEX, self.tmp / INDEX)
        self.db = sqlite3.connect(self.tmp / INDEX, isolation_level=None)
        try:
            self.db.executescript("""
                PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-65536; PRAGMA temp_store=FILE;
                CREATE TABLE IF NOT EXISTS kept (id TEXT PRIMARY KEY, ts INTEGER NOT NULL, run TEXT NOT NULL,
                    line INTEGER NOT NULL, dup INTEGER NOT NULL, fresh INTEGER NOT NULL) WITHOUT ROWID;
                UPDATE kept SET fresh=0;
            """)
            for dump in self.new:
                self.resolve(dump)
            self.db.execute("CREATE INDEX IF NOT EXISTS kept_run ON kept(run, line)")
            writer = ShardWriter(self.tmp / DATA, self.schema, self.options)
            if self.previous_out is not None and self.previous is not None:
                for shard in self.previous.get("shards", []):
                    self.carry_over(self.previous_out / shard["file"], writer)
            for dump in self.new:
                self.write_dump(dump, writer)
            writer.close()
            self.db.execute("DROP INDEX kept_run")
            self.db.execute("VACUUM")
        finally:
            self.db.close()
        self.result.rows = writer.rows
        self.result.shards = len(writer.shards)
        self.result.dumps_added = len(self.new)
        record = self.record(writer)
        _write_synced(self.tmp / RECORD, json.dumps(record, ensure_ascii=False, indent=1) + "\n")
        write_card(self.tmp / "README.md", record, self.json_schema)
        for path in (self.tmp / INDEX, self.tmp / "README.md", self.tmp):
            _fsync(path)

    # -- pass 1 ----------------------------------------------------------------------------

    def resolve(self, dump: Dump) -> None:
        upsert = """INSERT INTO kept(id, ts, run, line, dup, fresh) VALUES (?, ?, ?, ?, ?, 1)
                    ON CONFLICT(id) DO UPDATE SET ts=excluded.ts, run=excluded.run, line=excluded.line,
                        dup=excluded.dup, fresh=1
                    WHERE (excluded.ts, excluded.run, excluded.line) > (kept.ts, kept.run, kept.line)"""
        self.db.execute("BEGIN")
        for chunk in _chunks(dump.path):
            self.result.lines_read += len(chunk)
            keys = self.keys_of(chunk, dump.rel)
            self.db.executemany(upsert, [(aid, ts, dump.run, line, dup) for line, aid, ts, dup in keys])
        self.db.execute("COMMIT")

    def keys_of(self, chunk: list[tuple[int, bytes]], where: str) -> list[tuple[int, str, int, int]]:
        """(line, id, fetched_at key, is a repost) of each article line of the chunk (of the sites
        asked for): read by Arrow's JSON reader, or line by line when the chunk holds a bad line,
        which is then logged with its reason and counted."""
        try:
            table = _read_json(chunk, _KEY_SCHEMA)
            ids, fetched, dups, sites = (table.column(n).to_pylist() for n in ("id", "fetched_at", "duplicate_of", "site"))
            keys = [(line, aid, fetched_key(at), 1 if dup else 0)
                    for (line, _), aid, at, dup, site in zip(chunk, ids, fetched, dups, sites, strict=True)
                    if not self.sites or site in self.sites]
            if all(k[1] for k in keys):
                return keys
        except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, TypeError, OverflowError):
            pass
        keys = []
        for line, raw in chunk:
            try:
                row = json.loads(raw)
                if not isinstance(row, dict) or not isinstance(row.get("id"), str) or not row["id"]:
                    raise ValueError("no id")
                key = fetched_key(row.get("fetched_at"))
            except (ValueError, UnicodeDecodeError, OverflowError) as exc:
                self.bad(where, line, f"unreadable line: {exc}")
                continue
            if not self.sites or row.get("site") in self.sites:
                keys.append((line, row["id"], key, 1 if row.get("duplicate_of") else 0))
        return keys

    def bad(self, where: str, line: int, reason: str) -> None:
        kind = reason.split(":")[0]
        if self.result.bad_lines[kind] < 10:
            logger.warning("Skipped %s:%d [%s]", where, line, reason)
        self.result.bad_lines[kind] += 1

    # -- pass 2 ----------------------------------------------------------------------------

    def write_dump(self, dump: Dump, writer: "ShardWriter") -> None:
        """Stream the dump's winning rows (a merge of its lines with the index's, both in line order)."""
        winners = self.db.execute("SELECT line, dup FROM kept WHERE run=? AND fresh=1 ORDER BY line", (dump.run,))
        want = next(winners, None)
        lines = 0
        for chunk in _chunks(dump.path):
            lines += len(chunk)
            keep = []
            for line, raw in chunk:
                while want is not None and want[0] < line:
                    want = next(winners, None)
                if want is None or want[0] != line:
                    self.result.superseded += 1  # (or a bad line, or another site's)
                elif want[1] and not self.options.with_duplicates:
                    self.result.reposts_left_out += 1
                else:
                    keep.append((line, raw))
            if keep:
                writer.write(self.to_table(keep, dump.rel))
        self.dump_lines[dump.rel] = {"lines": lines, "bytes": dump.path.stat().st_size}

    def to_table(self, chunk: list[tuple[int, bytes]], where: str) -> pa.Table:
        """The chunk's lines as Arrow rows of the export's schema (fields the schema does not know
        are left out; a line that does not fit is logged, counted and skipped)."""
        try:
            table = _read_json(chunk, self.schema)
            if len(table) == len(chunk):
                return table
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
        kept = []  # find the rows that do not fit, one at a time (a rare, slow path)
        for line, raw in chunk:
            try:
                row = json.loads(raw)
                kept.append(pa.Table.from_pylist([row], schema=self.schema))
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, AttributeError) as exc:
                self.bad(where, line, f"does not fit the schema: {exc}")
        return pa.concat_tables(kept) if kept else self.schema.empty_table()

    def carry_over(self, shard: Path, writer: "ShardWriter") -> None:
        """The previous export's rows that no newer row replaced, in their order."""
        for table in _read_shard(shard, self.options.format, self.schema):
            table = conform(table, self.schema)
            replaced = self.replaced(table.column("id").to_pylist())
            if replaced:
                mask = pc.invert(pc.is_in(table.column("id"), value_set=pa.array(sorted(replaced), pa.string())))
                self.result.superseded += len(replaced)
                table = table.filter(mask)
            writer.write(table)

    def replaced(self, ids: list[str]) -> set[str]:
        found = self.db.execute("SELECT id FROM kept WHERE fresh=1 AND id IN (SELECT value FROM json_each(?))", (json.dumps(ids),))
        return {r[0] for r in found}

    def record(self, writer: "ShardWriter") -> dict[str, Any]:
        dumps = dict(self.previous.get("dumps", {})) if self.previous else {}
        dumps.update(self.dump_lines)
        history = list(self.previous.get("history", [])) if self.previous else []
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        history.append({"exported_at": now, "dumps_added": len(self.new), "rows": writer.rows,
                        "since": self.options.since})
        runs = sorted({rel.split("/", 1)[1][: -len(".jsonl")] for rel in dumps})
        return {
            "format": self.options.format,
            "with_duplicates": self.options.with_duplicates,
            "sites": sorted(self.options.sites),
            "max_rows": self.options.max_rows,
            "max_bytes": self.options.max_bytes,
            "exported_at": now,
            "rows": writer.rows,
            "last_run": runs[-1] if runs else None,
            "dumps": dict(sorted(dumps.items())),
            "shards": writer.shards,
            "counts": {k: dict(sorted(v.items())) for k, v in writer.counts.items()},
            "history": history,
        }


_KEY_SCHEMA = pa.schema([("id", pa.string()), ("fetched_at", pa.string()), ("duplicate_of", pa.string()), ("site", pa.string())])


def _chunks(path: Path) -> Iterator[list[tuple[int, bytes]]]:
    """The dump's non-blank lines, numbered from 1, in chunks of ``_BATCH_ROWS``."""
    chunk: list[tuple[int, bytes]] = []
    with path.open("rb") as f:
        for line, raw in enumerate(f, 1):
            if raw.strip():
                chunk.append((line, raw if raw.endswith(b"\n") else raw + b"\n"))
                if len(chunk) >= _BATCH_ROWS:
                    yield chunk
                    chunk = []
    if chunk:
        yield chunk


def _read_json(chunk: list[tuple[int, bytes]], schema: pa.Schema) -> pa.Table:
    """Arrow's JSON reader over the chunk's lines, as ``schema`` (other fields ignored); raises on
    any line that is not an object of those types, or when it does not give one row a line."""
    data = b"".join(raw for _, raw in chunk)
    table = pa_json.read_json(pa.BufferReader(data),
                              read_options=pa_json.ReadOptions(block_size=len(data) + 1, use_threads=False),
                              parse_options=pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"))
    if len(table) != len(chunk):
        raise pa.ArrowInvalid(f"{len(table)} rows from {len(chunk)} lines")
    return table.select(schema.names).cast(schema) if table.schema != schema else table


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """A previous export's rows in today's schema: new fields null, changed types cast."""
    columns = []
    for f in schema:
        if f.name in table.column_names:
            col = table.column(f.name)
            columns.append(col if col.type == f.type else col.cast(f.type))
        else:
            columns.append(pa.nulls(len(table), f.type))
    return pa.Table.from_arrays(columns, schema=schema)


def _read_shard(path: Path, fmt: str, schema: pa.Schema) -> Iterator[pa.Table]:
    if fmt == "parquet":
        for batch in pq.ParquetFile(path).iter_batches(batch_size=_BATCH_ROWS):
            yield pa.Table.from_batches([batch])
        return
    rows: list[dict[str, Any]] = []
    with path.open("rb") as f:
        for raw in f:
            rows.append(json.loads(raw))
            if len(rows) >= _BATCH_ROWS:
                yield pa.Table.from_pylist(rows, schema=schema)
                rows = []
    if rows:
        yield pa.Table.from_pylist(rows, schema=schema)


class ShardWriter:
    """Arrow tables in, shards out: ``data/part-NNNNN.parquet`` (zstd) or ``.jsonl``, each at most
    ``max_rows`` rows and ``max_bytes`` bytes of Arrow data (a Parquet file is smaller still)."""

    def __init__(self, folder: Path, schema: pa.Schema, options: ExportOptions) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.schema = schema
        self.format = options.format
        self.max_rows = options.max_rows
        self.max_bytes = options.max_bytes
        self.rows = 0
        self.shards: list[dict[str, Any]] = []
        self.counts: dict[str, Counter[str]] = {"site": Counter(), "year": Counter(), "script": Counter()}
        self._file: Any = None
        self._path: Path | None = None
        self._rows = 0
        self._bytes = 0

    def write(self, table: pa.Table) -> None:
        while len(table):
            if self._file is None:
                self._open()
            per_row = max(1, table.nbytes // len(table))
            room = min(self.max_rows - self._rows, max(1, (self.max_bytes - self._bytes) // per_row))
            part, table = table.slice(0, room), table.slice(room)
            self._write(part)
            self._rows += len(part)
            self._bytes += part.nbytes
            self._count(part)
            if self._rows >= self.max_rows or self._bytes >= self.max_bytes:
                self._close_shard()

    def _open(self) -> None:
        self._path = self.folder / f"part-{len(self.shards):05d}.{self.format}"
        if self.format == "parquet":
            self._file = pq.ParquetWriter(self._path, self.schema, compression="zstd")
        else:
            self._file = self._path.open("w", encoding="utf-8")
        self._rows = self._bytes = 0

    def _write(self, table: pa.Table) -> None:
        if self.format == "parquet":
            self._file.write_table(table, row_group_size=_BATCH_ROWS)
            return
        names = table.column_names
        for row in table.to_pylist():
            self._file.write(json.dumps({k: row[k] for k in names}, ensure_ascii=False) + "\n")

    def _count(self, table: pa.Table) -> None:
        published = table.column("published") if "published" in table.column_names else pa.nulls(len(table), pa.string())
        years = pc.if_else(pc.match_substring_regex(published, r"^\d{4}"), pc.utf8_slice_codeunits(published, 0, 4),
                          pa.scalar(None, pa.string()))
        for key, col in (("site", table.column("site")), ("year", years),
                         ("script", table.column("script") if "script" in table.column_names else pa.nulls(len(table), pa.string()))):
            for entry in pc.value_counts(col).to_pylist():
                self.counts[key][entry["values"] if entry["values"] is not None else "unknown"] += entry["counts"]

    def _close_shard(self) -> None:
        if self._file is None:
            return
        self._file.close()
        self._file = None
        _fsync(self._path)
        self.shards.append({"file": f"{DATA}/{self._path.name}", "rows": self._rows, "bytes": self._path.stat().st_size})
        self.rows += self._rows

    def close(self) -> None:
        self._close_shard()
        _fsync(self.folder)


# -- files: sync, swap, lock ---------------------------------------------------------------

def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_synced(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2); False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except AttributeError:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def _swap_in(tmp: Path, out: Path) -> None:
    """Put the finished export in ``out``'s place; the old one ends up in ``tmp`` (then deleted)."""
    if not out.exists():
        os.rename(tmp, out)
    elif not _exchange(tmp, out):
        # Two renames: a kill between them leaves OUT missing and `.OUT.old` present, which the
        # next export (_recover_swap) puts back before anything else.
        old = out.parent / f".{out.name}.old"
        os.rename(out, old)
        os.rename(tmp, out)
        os.rename(old, tmp)
    _fsync(out.parent)


def _recover_swap(out: Path) -> None:
    old = out.parent / f".{out.name}.old"
    if old.exists():
        if out.exists():
            shutil.rmtree(old)
        else:
            logger.warning("Restoring %s from %s (an export was killed while swapping it in)", out, old)
            os.rename(old, out)
    for stale in out.parent.glob(f".{out.name}.tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)  # a killed export's (we hold the lock)


class _ExportLock:
    """One export into a folder at a time (an OS lock the kernel drops when the process ends)."""

    def __init__(self, out: Path) -> None:
        self.path = out.parent / f".{out.name}.lock"

    def __enter__(self) -> "_ExportLock":
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(self.fd)
            raise ExportError(f"another export is writing {self.path.parent / self.path.name[1:-5]}") from exc
        return self

    def __exit__(self, *exc: Any) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
