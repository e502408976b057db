"""The version stamp a SQLite store keeps in its ``meta`` table, so a store built by another
algorithm is known as such (and healed, pipelines/stores/heal.py) instead of misread."""

from __future__ import annotations

import sqlite3


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
