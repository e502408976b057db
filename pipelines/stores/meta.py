"""The version stamp a SQLite store keeps in its ``meta`` table, so a store built by another
algorithm is known as such (and healed, pipelines/stores/heal.py) instead of misread."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def stamp(conn: sqlite3.Connection, key: str, value: str) -> str | None:
    """Write ``value`` under ``key`` in a new store's meta table. For an existing store: the
    value it holds when that differs (it was built by another version), else None. An
    unreadable file raises ``sqlite3.DatabaseError``."""
    conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    row = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    if row is None:
        with conn:
            conn.execute("INSERT INTO meta VALUES (?, ?)", (key, value))
        return None
    return row[0] if row[0] != value else None


def connect_stamped(path: Path, algorithm: str, tables: tuple[str, ...], error: type[Exception]) -> sqlite3.Connection:
    """A store opened for use (created when new): WAL mode, its tables, its algorithm stamp
    checked. Raises ``error`` when another algorithm built it; ``sqlite3.DatabaseError`` when
    SQLite cannot read it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        for sql in tables:
            conn.execute(sql)
        other = stamp(conn, "algorithm", algorithm)
    except sqlite3.DatabaseError:
        conn.close()
        raise
    if other is not None:
        conn.close()
        raise error(f"{path}: built by {other!r}, this is {algorithm!r}; move it away to start over")
    return conn
