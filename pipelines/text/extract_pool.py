"""Run the CPU-heavy part of a page in worker processes, off Scrapy's reactor thread.

Scrapy-free. A pool of ``spawn``ed processes (no fork of a process that runs a
reactor) runs pure functions of one page (``crawler.reading.read_page``: decode,
parse, links, extraction). Stateful stages (site templates, the repost index)
stay in the crawl process, so their state has one writer.

A worker that dies on a poisoned page breaks the whole pool, and every page in
flight fails with it; which one was poisoned is unknown. The pool is rebuilt and
those pages are retried one at a time in a one-worker quarantine pool: a page
that breaks that worker is the culprit, and only it is lost (``WorkerCrashed``).
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from pipelines.text.article_html import ExtractConfig, NotArticleReason, extract_article
from pipelines.text.ruby import strip_ruby_markup

logger = logging.getLogger(__name__)


class WorkerCrashed(RuntimeError):
    """The page broke a worker process twice."""


def _init_worker(preload: tuple[str, ...] = ()) -> None:
    # Workers report through the crawl process; trafilatura's own warnings are noise there.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    # The jobs' modules, imported now rather than on the first page; then every object alive
    # (modules, their functions, dictionaries and pattern tables: some 70,000) moves out of the
    # collector's reach. Each full collection traversed them all, a page's work triggers
    # several, and the more a page allocates the more it triggers: 2 M instructions a page on
    # the throughput bench's pages, and 3 M of the record fields' 22 M (bench/record_instructions.py).
    for name in preload:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()


def extract_page(
    html: str, url: str, config: ExtractConfig, known_article: bool, tree: Any = None, ruby_removed: int = 0
) -> tuple[Any, ...]:
    """Extraction of one page. Returns ("ok", article, ruby annotations removed),
    ("not_article", reason, reason kind, n) or ("error", exception type, message, n). Never raises.
    ``tree``: the page already parsed from ``html`` (ruby stripped, ``ruby_removed`` annotations);
    it is consumed. Without it, the ruby markup is stripped and the page parsed here."""
    n_ruby = ruby_removed
    if tree is None:
        html, n = strip_ruby_markup(html)
        n_ruby += n
    try:
        found = extract_article(html, url, config, known_article=known_article, tree=tree)
    except NotArticleReason as reason:
        return ("not_article", str(reason), reason.kind, n_ruby)
    except Exception as exc:  # a library failure costs this page only
        return ("error", type(exc).__name__, repr(exc)[:300], n_ruby)
    return ("ok", found, n_ruby)


class ExtractPool:
    def __init__(self, workers: int, crash_marker: str = "", preload: tuple[str, ...] = ()) -> None:
        self.workers = workers
        self.crash_marker = crash_marker
        self.preload = preload  # modules the workers import at start (the jobs' own), before freezing what is alive
        self._pool: ProcessPoolExecutor | None = None
        self._quarantine: ProcessPoolExecutor | None = None
        self._quarantine_lock: asyncio.Lock | None = None
        self.restarts = 0

    def _new(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker, initargs=(self.preload,))

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = self._new(self.workers)
        return self._pool

    def start(self) -> None:
        """Start the workers now (they start on the first page otherwise), so they are ready
        while the crawl fetches its robots.txt, sitemaps and start pages."""
        pool = self._executor()
        for _ in range(self.workers):
            pool.submit(os.getpid)

    def _replace_broken(self, broken: ProcessPoolExecutor) -> None:
        if self._pool is broken:  # the first in-flight page to notice rebuilds; the others reuse it
            broken.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            self.restarts += 1
            logger.warning("An extraction worker died; restarted the pool (%d restarts)", self.restarts)

    async def run(self, job: Any, *job_args: Any) -> Any:
        """``job(*job_args, crash_marker)`` in a worker; WorkerCrashed when it kills one twice."""
        loop = asyncio.get_running_loop()
        args = (job, *job_args, self.crash_marker)
        pool = self._executor()
        try:
            return await loop.run_in_executor(pool, *args)
        except BrokenProcessPool:
            self._replace_broken(pool)
        # Quarantine: alone in a one-worker pool, a page that breaks it is the one.
        if self._quarantine_lock is None:
            self._quarantine_lock = asyncio.Lock()
        async with self._quarantine_lock:
            if self._quarantine is None:
                self._quarantine = self._new(1)
            try:
                return await loop.run_in_executor(self._quarantine, *args)
            except BrokenProcessPool:
                self._quarantine.shutdown(wait=False, cancel_futures=True)
                self._quarantine = None
                raise WorkerCrashed("the page kills the worker") from None

    def close(self) -> None:
        for pool in (self._pool, self._quarantine):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        self._pool = self._quarantine = None

