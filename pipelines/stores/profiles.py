"""Persistence of the site profiles (pipelines/text/profile.py): SQLite, and its Redis twin.

Scrapy-free. One JSON document per site. The store records the algorithm that built
it (``profile.ALGORITHM``): a store of another version is rebuilt empty at start-up by
``pipelines/stores/heal.py`` (a profile is relearned from a site's next pages, nothing
else is lost); opening one here raises ``ProfileStoreError``.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from pipelines.text.profile import ALGORITHM, ProfileBook
from pipelines.stores.paths import STORE_FILES
from pipelines.stores.meta import stamp

FILE = STORE_FILES["profiles"]


class ProfileStoreError(RuntimeError):
    """The profile store is unreadable or was built by another algorithm."""


class ProfileStore:
    """STATE_DIR/profiles.sqlite: ``meta(algorithm)``, ``sites(site, profile JSON)``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path)
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS sites (site TEXT PRIMARY KEY, profile TEXT NOT NULL)")
            other = stamp(conn, "algorithm", ALGORITHM)
            if other is not None:
                raise ProfileStoreError(f"{self.path}: built by {other!r}, this is {ALGORITHM!r}")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise ProfileStoreError(f"{self.path}: unreadable profile store ({exc})") from exc
        except ProfileStoreError:
            conn.close()
            raise
        return conn

    def load(self, book: ProfileBook) -> ProfileBook:
        conn = self._connect()
        try:
            for site, data in conn.execute("SELECT site, profile FROM sites"):
                book.load_site(site, json.loads(data))
        except sqlite3.DatabaseError as exc:
            raise ProfileStoreError(f"{self.path}: unreadable profile store ({exc})") from exc
        finally:
            conn.close()
        book.dirty.clear()
        return book

    def save(self, book: ProfileBook) -> None:
        conn = self._connect()
        try:
            with conn:  # one transaction
                conn.executemany(
                    "INSERT OR REPLACE INTO sites VALUES (?, ?)",
                    ((site, json.dumps(book.site_to_json(site), separators=(",", ":"))) for site in sorted(book.dirty)),
                )
        finally:
            conn.close()
        book.dirty.clear()

    def sites(self) -> dict[str, dict]:
        """Every site's profile as stored (read-only callers: ``scrapy state``)."""
        conn = self._connect()
        try:
            return {site: json.loads(data) for site, data in conn.execute("SELECT site, profile FROM sites ORDER BY site")}
        finally:
            conn.close()


def build_empty(path: Path) -> None:
    """An empty store of this version (heal.py: profiles are relearned, not rebuilt)."""
    ProfileStore(path).save(ProfileBook())


class RedisProfileStore:
    """The profiles in Redis (distributed mode): ``<p>:prof:algorithm`` and the hash
    ``<p>:prof:sites`` (site -> JSON). Workers learn on their own and write the sites they
    saw; the last writer of a site wins (a profile is relearned anyway when it is wrong).
    A hash of another algorithm is dropped and relearned (its keys are this store's alone)."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self.dropped_other_version = False

    def _k(self, name: str) -> str:
        return f"{self.prefix}:prof:{name}"

    def load(self, book: ProfileBook) -> ProfileBook:
        stored = self.client.get(self._k("algorithm"))
        if stored is not None and stored.decode() != ALGORITHM:
            self.client.delete(self._k("sites"))
            self.dropped_other_version = True
        self.client.set(self._k("algorithm"), ALGORITHM)
        for site, data in self.client.hgetall(self._k("sites")).items():
            book.load_site(site.decode(), json.loads(data))
        book.dirty.clear()
        return book

    def save(self, book: ProfileBook) -> None:
        if book.dirty:
            self.client.hset(self._k("sites"), mapping={s: json.dumps(book.site_to_json(s), separators=(",", ":")) for s in book.dirty})
        book.dirty.clear()
