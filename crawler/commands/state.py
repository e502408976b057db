"""`scrapy state check|rebuild|stats`: the SQLite stores of STATE_DIR, by hand.

check    each store: ok, missing, unreadable or of another version; exit 1 when one needs a rebuild
rebuild  rebuild the named stores (default: all) from the finished dumps in DUMPS_DIR/<spider>,
         under the run lock (exit 3 when a run holds it, after LOCK_WAIT)
stats    size of each store, and per site (or host): URLs known, articles indexed, template pages and lines,
         profile pages
profiles [site ...]  each site's profile: its block locators (confident or being learned), the lines
         cut inside the block, its usual text length, its article and list URL shapes
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.state import EXIT_LOCKED, lock_wait
from pipelines.stores.heal import FILES, check_store, finished_dumps, heal
from pipelines.stores.lock import StateLock, StateLocked, describe_holder
from pipelines.stores.profiles import ProfileStore
from pipelines.text.profile import describe
from pipelines.stores.paths import dumps_root, state_dir


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "check|rebuild [store ...]|stats|profiles [site ...]"

    def short_desc(self) -> str:
        return "Check, rebuild (from the finished dumps) or describe the state stores"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        parser.add_argument("--spider", default="news", help="whose dumps to rebuild from (DUMPS_DIR/<spider>; default: news)")

    def run(self, args: list[str], opts: Any) -> None:
        if not args or args[0] not in ("check", "rebuild", "stats", "profiles"):
            raise UsageError("say check, rebuild, stats or profiles")
        self.state_dir = state_dir(self.settings)
        self.folder = dumps_root(self.settings) / opts.spider
        if args[0] == "profiles":
            return self.profiles(args[1:])
        stores = args[1:] or list(FILES)
        unknown = [s for s in stores if s not in FILES]
        if unknown:
            raise UsageError(f"unknown store {unknown[0]!r}: the stores are {', '.join(FILES)}")
        getattr(self, args[0])(stores)

    def check(self, stores: list[str]) -> None:
        have_dumps = bool(finished_dumps(self.folder))
        for store in stores:
            status = check_store(store, self.state_dir / FILES[store])
            verdict = "rebuild needed" if status.needs_rebuild(have_dumps) else "fine"
            print(f"{store:<10} {status.reason():<40.200} {verdict}   {status.path}")
            if status.needs_rebuild(have_dumps):
                self.exitcode = 1

    def rebuild(self, stores: list[str]) -> None:
        try:
            lock = StateLock(self.state_dir).acquire(lock_wait(self.settings))
        except StateLocked as exc:
            print(f"a run holds {exc.path}: {describe_holder(exc.holder)}; try again when it has finished")
            self.exitcode = EXIT_LOCKED
            return
        try:
            for r in heal(self.state_dir, self.folder, stores, force=True):
                moved = f"; old file: {r.moved_to}" if r.moved_to else ""
                print(f"{r.store:<10} rebuilt ({r.reason}) from {r.dumps} dumps: {r.rows} rows, {r.bad_lines} unreadable lines skipped{moved}")
        finally:
            lock.release()

    def stats(self, stores: list[str]) -> None:
        sites: dict[str, Counter[str]] = {}
        for store in stores:
            path = self.state_dir / FILES[store]
            status = check_store(store, path)
            size = sum(f.stat().st_size for f in path.parent.glob(path.name + "*") if ".broken-" not in f.name) if path.exists() else 0
            print(f"{store:<10} {status.reason():<14.60} {size:>12,} bytes   {path}")
            if status.state != "ok":
                continue
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
                for site, what, n in self._per_site(store, conn):
                    sites.setdefault(site, Counter())[what] += n
            conn.close()
        columns = ["urls", "articles indexed", "template pages", "lines counted", "profile pages", "metadata pages"]
        print(f"\n{'site (or host)':<28} " + " ".join(f"{c:>16}" for c in columns))
        for site in sorted(sites):
            print(f"{site[:28]:<28} " + " ".join(f"{sites[site][c]:>16,}" for c in columns))

    @staticmethod
    def _per_site(store: str, conn: sqlite3.Connection) -> list[tuple[str, str, int]]:
        if store == "urls":
            counts = Counter(urlsplit(u).hostname or "?" for (u,) in conn.execute("SELECT url FROM urls WHERE article_id != ''"))
            return [(h, "urls", n) for h, n in counts.items()]
        if store == "reposts":
            # The index knows article ids only; their host comes from the URL state beside it.
            urls = Path(conn.execute("PRAGMA database_list").fetchone()[2]).with_name(FILES["urls"])
            hosts: dict[str, str] = {}
            if urls.exists():
                with sqlite3.connect(f"file:{urls}?mode=ro", uri=True) as u:
                    hosts = {aid: urlsplit(url).hostname or "?" for aid, url in u.execute("SELECT article_id, url FROM urls")}
                u.close()
            counts = Counter(hosts.get(aid, "(unknown host)") for (aid,) in conn.execute("SELECT article_id FROM docs"))
            return [(h, "articles indexed", n) for h, n in counts.items()]
        if store == "profiles":
            return [(site, "profile pages", json.loads(data)["pages"]) for site, data in conn.execute("SELECT site, profile FROM sites")]
        pages = conn.execute("SELECT site, COUNT(*) FROM pages GROUP BY site").fetchall()
        if store == "site_metadata":
            return [(s, "metadata pages", n) for s, n in pages]
        lines = conn.execute("SELECT site, COUNT(*) FROM lines GROUP BY site").fetchall()
        return [(s, "template pages", n) for s, n in pages] + [(s, "lines counted", n) for s, n in lines]

    def profiles(self, sites: list[str]) -> None:
        """Each site's profile as the crawl uses it (read-only: may run beside a crawl)."""
        path = self.state_dir / FILES["profiles"]
        status = check_store("profiles", path)
        if status.state != "ok":
            print(f"profiles   {status.reason()}   {path}")
            self.exitcode = 1
            return
        stored = ProfileStore(path).sites()
        for site in sites or sorted(stored):
            if site not in stored:
                print(f"{site}: no profile (no article page of it read yet)")
                self.exitcode = 1
                continue
            print(describe_profile(site, stored[site]))


def describe_profile(site: str, data: dict) -> str:
    """A site's stored profile, as a user reads it."""
    out = [f"site {site}: {data['pages']} pages read, {data['offered']} offered the fast path; "
           f"{data['learned']} locators learned, {data['relearned']} relearned, {data['invalidated']} forgotten after an audit"]
    for r in sorted(data["locators"], key=lambda r: (not r["confident"], -r["pages"])):
        state = "CONFIDENT" if r["confident"] else f"learning ({len(r['window'])} recent pages)"
        out.append(f"  {state:<26} {describe(tuple(tuple(s) for s in r['locator']))}")
        if r["confident"] or r["agreeing"]:
            out.append(f"  {'':<26} {r['pages']} pages seen, {r['agreeing']} agreeing, {r['fast_pages']} read fast; text weight "
                       f"{r['min_weight']}-{r['max_weight']}, dated {r['dated']}/{r['agreeing']}; {len(r['cuts'])} line(s) cut in the block")
    for kind in ("article_shapes", "list_shapes"):
        shapes = sorted(data[kind].items(), key=lambda kv: -kv[1])[:5]
        if shapes:
            out.append(f"  {kind.replace('_', ' ')}: " + ", ".join(f"{shape} ({n})" for shape, n in shapes))
    return "\n".join(out)
