"""Per-URL state across runs: what was dumped, when it was fetched, how to ask if it changed.

Scrapy-free. One row per article URL that reached a finished dump: its canonical
URL, article id, content hash, last fetch time, ETag and Last-Modified, and the
dump it went to. Written by the dump finaliser after the dump is in place (so a
killed run leaves no row and its URLs are fetched again), read by the
incremental-fetch middleware to skip, or conditionally re-fetch, known articles.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA = "url-state/1"


class UrlStateError(RuntimeError):
    """The URL state store is unreadable or from another schema."""


@dataclass(frozen=True)
class UrlState:
    url: str
    canonical_url: str
    article_id: str
    content_hash: str
    fetched_at: float  # unix time
    etag: str | None
    last_modified: str | None
    dump: str


class UrlStateStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None

    def open(self) -> "UrlStateStore":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            c = self._conn = sqlite3.connect(self.path)
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            c.execute(
                "CREATE TABLE IF NOT EXISTS urls (url TEXT PRIMARY KEY, canonical_url TEXT NOT NULL, article_id TEXT NOT NULL,"
                " content_hash TEXT NOT NULL, fetched_at REAL NOT NULL, etag TEXT, last_modified TEXT, dump TEXT NOT NULL)"
            )
            row = c.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise UrlStateError(f"{self.path}: unreadable URL state ({exc}); move it away to start over") from exc
        if row is None:
            with c:
                c.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA,))
        elif row[0] != SCHEMA:
            raise UrlStateError(f"{self.path}: schema {row[0]!r}, this version uses {SCHEMA!r}; move it away to start over")
        return self

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def get(self, url: str) -> UrlState | None:
        row = self._conn.execute("SELECT * FROM urls WHERE url=?", (url,)).fetchone()
        return UrlState(*row) if row else None

    def record(self, states: list[UrlState]) -> None:
        with self._conn:
            self._conn.executemany("INSERT OR REPLACE INTO urls VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [tuple(vars(s).values()) for s in states])

    def touch(self, urls: list[str], when: float | None = None) -> None:
        """A conditional GET said "not modified": the URL was checked now."""
        with self._conn:
            self._conn.executemany("UPDATE urls SET fetched_at=? WHERE url=?", [(when or time.time(), u) for u in urls])
