"""Find exact and near-duplicate reposts: MinHash-LSH over normalised character 5-grams.

Scrapy-free. ``RepostIndex`` answers "is this text a repost of one already
dumped, or of one kept earlier in this run?" and remembers kept texts:

- exact: sha1 of ``normalise_for_matching(text)`` (so simplified and
  traditional copies, full-width and half-width, spacing and punctuation
  variants are the same text);
- near: rensa MinHash (128 permutations) over character 5-grams of that
  normalised text, LSH with 32 bands of 4 rows (candidate probability 0.99 at
  Jaccard 0.6; a 3% character edit leaves about 0.72), and every candidate
  verified against its stored signature: estimated Jaccard >= ``threshold``, or
  one text contained in the other >= ``containment`` (a dropped paragraph).

Persistence (SQLite): texts kept in this run stay in memory until ``commit``,
which the dump finaliser calls once the dump is in place, so an entry exists
only for an article that reached a dump. The store records the algorithm and
its parameters and refuses to mix them.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
import struct
from array import array
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import rensa

SHINGLE = 5
NUM_PERM = 128
BANDS = 32
ROWS = 4
SEED = 20261123
MIN_SHINGLES = 20  # shorter texts are matched exactly only
PARAMS = {
    "algorithm": "repost-index/2",
    "minhash": f"rensa.RMinHash/{rensa.RMinHash.ALGORITHM_VERSION} from flat token hashes",
    "shingle": f"char-{SHINGLE}gram of normalise_for_matching, polynomial 1000003 + mix64",
    "num_perm": NUM_PERM,
    "bands": BANDS,
    "rows": ROWS,
    "seed": SEED,
    "stored_signature": "uint16 low bits",
}


class IndexMismatch(RuntimeError):
    """The store was built with other parameters, or is unreadable."""


def shingles(normalised: str, n: int = SHINGLE) -> list[str]:
    return [normalised[i : i + n] for i in range(len(normalised) - n + 1)]


@dataclass(frozen=True)
class Fingerprint:
    exact: int  # 63-bit prefix of sha1(normalised text)
    size: int  # shingles (repeats included)
    signature: tuple[int, ...]  # NUM_PERM MinHash values (uint32), empty for short texts

    @functools.cached_property  # (the index reads them twice; the page reader computes them once)
    def band_keys(self) -> list[int]:
        if not self.signature:
            return []
        keys = []
        for b in range(BANDS):
            values = self.signature[b * ROWS : (b + 1) * ROWS]
            digest = hashlib.blake2b(struct.pack(f"<H{ROWS}I", b, *values), digest_size=4).digest()
            keys.append(int.from_bytes(digest, "big", signed=True))
        return keys

    @property
    def stored_signature(self) -> bytes:
        return array("H", (v & 0xFFFF for v in self.signature)).tobytes()


_P = np.uint64(1000003)
_MIX = np.uint64(0xBF58476D1CE4E5B9)


def shingle_hashes(normalised: str, n: int = SHINGLE) -> np.ndarray:
    """64-bit hashes of the character n-grams, vectorised: a polynomial over the code
    points, then a mixing step so that nearby n-grams hash far apart."""
    codes = np.frombuffer(normalised.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    m = len(codes) - n + 1
    if m <= 0:
        return np.empty(0, dtype=np.uint64)
    h = codes[:m].copy()
    with np.errstate(over="ignore"):
        for k in range(1, n):
            h *= _P
            h += codes[k : m + k]
        h ^= h >> np.uint64(31)
        h *= _MIX
        h ^= h >> np.uint64(29)
    return h


def fingerprint(normalised: str) -> Fingerprint:
    exact = int.from_bytes(hashlib.sha1(normalised.encode("utf-8")).digest()[:8], "big") >> 1
    # MinHash is set-semantic, so repeated shingles need no de-duplication; the count
    # (an article repeats few 5-grams) only feeds the containment estimate.
    hashes = shingle_hashes(normalised)
    if len(hashes) < MIN_SHINGLES:
        return Fingerprint(exact, len(hashes), ())
    offsets = np.array([0, len(hashes)], dtype=np.uint64)
    row = rensa.RMinHash.digest_matrix_from_flat_token_hashes(hashes, offsets, NUM_PERM, SEED).to_rows()[0]
    return Fingerprint(exact, len(hashes), tuple(row))


def estimated_jaccard(a: bytes | tuple[int, ...], b: bytes) -> float:
    sa = array("H", a) if isinstance(a, bytes) else array("H", (v & 0xFFFF for v in a))
    sb = array("H", b)
    return sum(x == y for x, y in zip(sa, sb)) / NUM_PERM


def containment(jaccard: float, size_a: int, size_b: int) -> float:
    """|A ∩ B| / min(|A|, |B|) from the Jaccard estimate and the set sizes."""
    if jaccard <= 0 or not size_a or not size_b:
        return 0.0
    inter = jaccard * (size_a + size_b) / (1 + jaccard)
    return min(1.0, inter / min(size_a, size_b))


@dataclass
class Match:
    article_id: str
    similarity: float
    reason: str  # "exact" | "near (jaccard 0.91)" | "contained (0.97)"
    pending: bool  # kept earlier in this run (not yet committed)


@dataclass(slots=True)
class _Pending:
    """A text kept in this run, in compact form: held until the dump is committed, so its size
    is what a run's memory grows by (a Fingerprint's tuple of 128 Python ints is ~5 KB)."""

    article_id: str
    exact: int
    size: int
    sig: bytes | None  # stored_signature; None for texts too short for MinHash
    bands: array  # band keys, array("i")

    @classmethod
    def of(cls, article_id: str, fp: Fingerprint) -> "_Pending":
        return cls(article_id, fp.exact, fp.size, fp.stored_signature if fp.signature else None, array("i", fp.band_keys))


@dataclass
class RepostIndex:
    path: Path | None  # None: memory only (benchmarks)
    threshold: float = 0.6
    containment_threshold: float = 0.8
    pending: dict[str, _Pending] = field(default_factory=dict)
    _pending_exact: dict[int, str] = field(default_factory=dict)
    # band key -> the article id kept under it, or a set of them when several (rare): one set
    # object per key would cost more than the rest of a pending text together.
    _pending_bands: dict[int, str | set[str]] = field(default_factory=dict)
    _conn: sqlite3.Connection | None = None

    # -- store --------------------------------------------------------------------

    def open(self) -> "RepostIndex":
        if self.path is None:
            self._conn = sqlite3.connect(":memory:")
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path)
        try:
            c = self._conn
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable at checkpoints, never corrupt
            c.execute("PRAGMA cache_size=-262144")  # 256 MiB: band-key inserts are random; keep the B-tree hot
            c.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            c.execute("CREATE TABLE IF NOT EXISTS runs (run TEXT PRIMARY KEY, dump TEXT NOT NULL, articles INTEGER NOT NULL)")
            c.execute("CREATE TABLE IF NOT EXISTS started (run TEXT PRIMARY KEY)")  # runs begun on this store
            c.execute("CREATE TABLE IF NOT EXISTS docs (doc INTEGER PRIMARY KEY, article_id TEXT NOT NULL, exact INTEGER NOT NULL, size INTEGER NOT NULL, sig BLOB, run TEXT NOT NULL)")
            c.execute("CREATE INDEX IF NOT EXISTS docs_exact ON docs (exact)")
            c.execute("CREATE TABLE IF NOT EXISTS bands (key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc)) WITHOUT ROWID")
            row = c.execute("SELECT value FROM meta WHERE key='params'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise IndexMismatch(f"{self.path}: unreadable repost index ({exc}); move it away to start over") from exc
        if row is None:
            with c:
                c.execute("INSERT INTO meta VALUES ('params', ?)", (json.dumps(PARAMS, sort_keys=True),))
        elif json.loads(row[0]) != PARAMS:
            raise IndexMismatch(
                f"{self.path}: built with {row[0]}, this version uses {json.dumps(PARAMS, sort_keys=True)}; "
                "move it away (or point STATE_DIR elsewhere) to build a new one"
            )
        return self

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def start_run(self, run: str) -> None:
        with self._conn:
            self._conn.execute("INSERT OR IGNORE INTO started VALUES (?)", (run,))

    def unfinished_runs(self) -> list[str]:
        """Runs begun on this store whose index entries were never committed."""
        rows = self._conn.execute("SELECT run FROM started WHERE run NOT IN (SELECT run FROM runs) ORDER BY run")
        return [r for (r,) in rows]

    def forget_run(self, run: str) -> None:
        with self._conn:
            self._conn.execute("DELETE FROM started WHERE run=?", (run,))

    def committed_runs(self) -> set[str]:
        return {r for (r,) in self._conn.execute("SELECT run FROM runs")}

    # -- queries --------------------------------------------------------------------

    def find(self, fp: Fingerprint, article_id: str | None = None) -> Match | None:
        """The kept article this text reposts, if any (this run's first, then the store).
        ``article_id`` (the text's own article) matters to the shared Redis index only."""
        if fp.exact in self._pending_exact:
            return Match(self._pending_exact[fp.exact], 1.0, "exact", True)
        row = self._conn.execute("SELECT article_id FROM docs WHERE exact=? LIMIT 1", (fp.exact,)).fetchone()
        if row:
            return Match(row[0], 1.0, "exact", False)
        if not fp.signature:
            return None
        keys = fp.band_keys
        best: Match | None = None
        seen: set[str] = set()
        for key in keys:
            posted = self._pending_bands.get(key, ())
            for aid in (posted,) if isinstance(posted, str) else posted:
                if aid not in seen:
                    seen.add(aid)
                    p = self.pending[aid]
                    best = self._better(best, self._verify(fp, aid, p.size, p.sig, True))
        placeholders = ",".join("?" * len(keys))
        rows = self._conn.execute(
            f"SELECT DISTINCT d.article_id, d.size, d.sig FROM bands b JOIN docs d ON d.doc = b.doc WHERE b.key IN ({placeholders})",
            keys,
        ).fetchall()
        for aid, size, sig in rows:
            if aid not in seen and sig:
                seen.add(aid)
                best = self._better(best, self._verify(fp, aid, size, sig, False))
        return best

    def _verify(self, fp: Fingerprint, aid: str, size: int, sig: bytes, pending: bool) -> Match | None:
        j = estimated_jaccard(fp.signature, sig)
        if j >= self.threshold:
            return Match(aid, round(j, 3), f"near (jaccard {j:.2f})", pending)
        c = containment(j, fp.size, size)
        if c >= self.containment_threshold and min(fp.size, size) >= 4 * MIN_SHINGLES:
            return Match(aid, round(c, 3), f"contained ({c:.2f})", pending)
        return None

    @staticmethod
    def _better(a: Match | None, b: Match | None) -> Match | None:
        if a is None:
            return b
        if b is None:
            return a
        return b if b.similarity > a.similarity else a

    # -- this run ---------------------------------------------------------------------

    def add(self, article_id: str, fp: Fingerprint) -> None:
        """Keep a text for this run (committed only with the dump)."""
        p = self.pending[article_id] = _Pending.of(article_id, fp)
        self._pending_exact.setdefault(fp.exact, article_id)
        for key in p.bands:
            posted = self._pending_bands.get(key)
            if posted is None:
                self._pending_bands[key] = article_id
            elif isinstance(posted, str):
                if posted != article_id:
                    self._pending_bands[key] = {posted, article_id}
            else:
                posted.add(article_id)

    def discard(self, article_id: str) -> None:
        """Forget a text kept earlier in this run (it turned out to be the repost)."""
        p = self.pending.pop(article_id, None)
        if p is None:
            return
        if self._pending_exact.get(p.exact) == article_id:
            del self._pending_exact[p.exact]
        for key in p.bands:
            posted = self._pending_bands.get(key)
            if posted == article_id:
                del self._pending_bands[key]
            elif isinstance(posted, set):
                posted.discard(article_id)

    def replace(self, article_id: str, fp: Fingerprint) -> None:
        """A kept text changed before it was dumped (the late template pass): index the final one."""
        if article_id in self.pending:
            self.discard(article_id)
            self.add(article_id, fp)

    def commit(self, run: str, dump: str, article_ids: set[str] | None = None) -> int:
        """Store this run's kept texts (those in ``article_ids`` when given) in one transaction."""
        items = [p for p in self.pending.values() if article_ids is None or p.article_id in article_ids]
        with self._conn:
            band_rows = []
            for p in items:
                cur = self._conn.execute(
                    "INSERT INTO docs (article_id, exact, size, sig, run) VALUES (?, ?, ?, ?, ?)",
                    (p.article_id, p.exact, p.size, p.sig, run),
                )
                band_rows.extend((k, cur.lastrowid) for k in p.bands)
            # In key order: the band B-tree is then filled page by page, not at random,
            # which keeps the per-document insert cost flat as the index grows.
            band_rows.sort()
            self._conn.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)", band_rows)
            self._conn.execute("INSERT OR REPLACE INTO runs VALUES (?, ?, ?)", (run, dump, len(items)))
            self._conn.execute("INSERT OR IGNORE INTO started VALUES (?)", (run,))
        self.pending.clear()
        self._pending_exact.clear()
        self._pending_bands.clear()
        return len(items)
