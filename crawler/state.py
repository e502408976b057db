"""The run's hold on STATE_DIR: one run at a time, and stores that heal from the dumps.

``StateGuard`` is an extension built before the dump finaliser, the middlewares and
the stages (extensions are built before the engine), so before any store is opened
and any request is made:

1. it takes the exclusive lock on ``STATE_DIR/run.lock`` (pipelines/stores/lock.py),
   waiting up to ``LOCK_WAIT`` seconds; when another run holds it, it logs one line
   naming that run and the crawl ends at once with exit status 3, having written nothing;
2. it checks each store the run will use and rebuilds from the finished dumps any that
   is unreadable, of another version, or missing while dumps exist
   (pipelines/stores/heal.py): a warning, ``state/rebuilt/<store>``, and the manifest's
   ``state_rebuilt``.

The lock is released when the engine has stopped (after the dump and the state were
written), or by the kernel when the process dies. Distributed mode (REDIS_URL) keeps its
state in Redis and runs many workers at once by design: no lock, no healing here.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.feeds import run_timestamp
from pipelines.stores.heal import heal
from pipelines.stores.lock import StateLock, StateLocked, describe_holder
from pipelines.stores.paths import dump_folder, state_dir as state_path

logger = logging.getLogger(__name__)

EXIT_LOCKED = 3


def stores_in_use(settings: Any) -> list[str]:
    """The SQLite stores a run with these settings opens."""
    stores = []
    if settings.getbool("DEDUP_ENABLED") and settings.getbool("DEDUP_PERSIST"):
        stores.append("reposts")
    if settings.getbool("INCREMENTAL_ENABLED"):
        stores.append("urls")
    if settings.getbool("TEMPLATE_ENABLED") and settings.getbool("TEMPLATE_PERSIST"):
        stores.append("templates")
    if settings.getbool("PROFILES_ENABLED"):
        stores.append("profiles")
    if settings.getbool("META_PERSIST") and not settings.get("REDIS_URL"):
        stores.append("site_metadata")
    return stores


def lock_wait(settings: Any) -> float:
    raw = settings.get("LOCK_WAIT")
    try:
        wait = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"LOCK_WAIT must be a number of seconds, got {raw!r}") from None
    if not wait >= 0 or wait == float("inf"):
        raise ValueError(f"LOCK_WAIT must be a finite number of seconds >= 0, got {raw!r}")
    return wait


def unused_run_id(folder: Path) -> str:
    """The run's name, taken under the lock: the time now, to the second, unless a run (the one
    just waited for, or one killed) already used that second: then the next second."""
    while True:
        run = run_timestamp()
        if not any(folder.glob(f"{run}.*")):
            return run
        time.sleep(0.1)


class StateGuard:
    def __init__(self, crawler: Any, lock: StateLock) -> None:
        self.crawler = crawler
        self.lock = lock
        self.rebuilt: dict[str, str] = {}  # store -> why (the manifest's state_rebuilt)

    @classmethod
    def from_crawler(cls, crawler: Any) -> "StateGuard":
        s = crawler.settings
        wait = lock_wait(s)  # a bad value fails at start-up, in distributed mode too
        if s.get("REDIS_URL"):
            raise NotConfigured("distributed mode: the state is in Redis, shared by the workers")
        state_dir = state_path(s)
        guard = cls(crawler, StateLock(state_dir))
        try:
            guard.lock.acquire(wait)
        except StateLocked as exc:
            logger.error("Another run holds %s: %s; this run ends without fetching anything (exit status %d)",
                         exc.path, describe_holder(exc.holder), EXIT_LOCKED)
            crawler.state_locked = exc  # crawler/commands/crawl.py turns it into exit status 3
            raise
        crawler.state_guard = guard  # the manifest reports what was rebuilt
        crawler.signals.connect(guard.engine_stopped, signal=signals.engine_stopped)
        spider = crawler.spider
        folder = dump_folder(s, spider.name if spider is not None else "news")
        if spider is not None and getattr(spider, "run_id", None):
            spider.run_id = unused_run_id(folder)
        guard.heal(state_dir, folder, stores_in_use(s))
        return guard

    def heal(self, state_dir: Path, folder: Path, stores: list[str]) -> None:
        try:
            rebuilt = heal(state_dir, folder, stores)
        except BaseException:
            self.lock.release()
            raise
        for r in rebuilt:
            self.rebuilt[r.store] = r.reason
            self.crawler.stats.set_value(f"state/rebuilt/{r.store}", 1)
            if r.bad_lines:
                self.crawler.stats.inc_value("state/rebuild_bad_lines", r.bad_lines)
            logger.warning("State store %s was %s: rebuilt from %d finished dumps (%d rows)%s", r.store, r.reason, r.dumps, r.rows,
                           f"; the old file is {r.moved_to}" if r.moved_to else "")

    def engine_stopped(self) -> None:
        self.lock.release()
