"""What the metadata resolver learns per site, kept across runs (STATE_DIR/site_metadata.sqlite).

Scrapy-free. A scheduled crawl sees a few new articles of a site per run: the title affixes
the site adds to every title and the dated lines every page repeats (a top bar's "today", a
footer) are learned over the site's pages, so the counts carry over from run to run, as the
template lines' do (``site_template``). Pages are counted once each, by a stable hash of
their URL. A site keeps at most ``MAX_KEYS_PER_SITE`` affixes and lines, the most seen first:
a line seen once on a page long ago is the first to go.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pipelines.stores.meta import connect_stamped
from pipelines.text.metadata import SiteKnowledge

ALGORITHM = "site-metadata/1 affixes+dated-lines pages=blake2b-64(url)"
MAX_KEYS_PER_SITE = 5_000


_TABLES = (
    "CREATE TABLE IF NOT EXISTS counts (site TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, pages INTEGER NOT NULL,"
    " PRIMARY KEY (site, kind, key)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS pages (site TEXT NOT NULL, key INTEGER NOT NULL, PRIMARY KEY (site, key)) WITHOUT ROWID",
)


class SiteMetadataStoreError(RuntimeError):
    """The store is corrupt or was built by another algorithm."""


class SiteMetadataStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        return connect_stamped(self.path, ALGORITHM, _TABLES, SiteMetadataStoreError)

    def load(self, min_pages: int) -> dict[str, SiteKnowledge]:
        sites: dict[str, SiteKnowledge] = {}
        try:
            conn = self._connect()
            with conn:
                for site, kind, key, pages in conn.execute("SELECT site, kind, key, pages FROM counts"):
                    knowledge = sites.setdefault(site, SiteKnowledge(min_pages))
                    (knowledge.affix_pages if kind == "affix" else knowledge.line_pages)[key] = pages
                for site, key in conn.execute("SELECT site, key FROM pages"):
                    sites.setdefault(site, SiteKnowledge(min_pages)).pages.add(key)
            conn.close()
        except sqlite3.DatabaseError as exc:
            raise SiteMetadataStoreError(f"{self.path}: unreadable site metadata store ({exc}); move it away to start over") from exc
        return sites

    def save(self, sites: dict[str, SiteKnowledge], changed: set[str] | None = None) -> None:
        """Write the sites in ``changed`` (all when None) in one transaction: a crash leaves the
        previous store, never half of this one."""
        conn = self._connect()
        with conn:
            for site in sorted(sites if changed is None else changed & sites.keys()):
                knowledge = sites[site]
                conn.execute("DELETE FROM counts WHERE site=?", (site,))
                conn.execute("DELETE FROM pages WHERE site=?", (site,))
                for kind, counter in (("affix", knowledge.affix_pages), ("line", knowledge.line_pages)):
                    kept = counter.most_common(MAX_KEYS_PER_SITE)
                    conn.executemany("INSERT INTO counts VALUES (?, ?, ?, ?)", ((site, kind, k, n) for k, n in kept))
                conn.executemany("INSERT INTO pages VALUES (?, ?)", ((site, k) for k in knowledge.pages))
        conn.close()


def build_empty(path: Path) -> None:
    """An empty store of this version (a broken one is relearned from the next pages)."""
    SiteMetadataStore(path).save({})
