"""`scrapy crawl`, plus an exit status for schedulers.

0: the run finished, whatever happened to single pages (the manifest counts those);
1: Scrapy could not start (a bad sites file, a bad setting);
2: the run failed as a whole: no site reachable, or the dump, manifest or state could not be
   written (stat ``run/failed`` says why);
3: another run holds STATE_DIR (crawler/state.py): this one fetched and wrote nothing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from crawler.state import EXIT_LOCKED
from pipelines.stores.lock import StateLocked

logger = logging.getLogger(__name__)


def _quiet_when_locked(result: Any) -> None:
    """A run that found the state locked said so in one log line: no traceback after it."""
    if isinstance(result, asyncio.Future):
        def retrieve(task: asyncio.Future) -> None:
            exc = None if task.cancelled() else task.exception()  # retrieved: asyncio will not print it
            if exc is not None and not isinstance(exc, StateLocked):
                logger.error("The crawl could not start: %s", exc, exc_info=exc)  # what asyncio would have printed
        result.add_done_callback(retrieve)
    elif hasattr(result, "addErrback"):
        result.addErrback(lambda failure: failure.trap(StateLocked) and None)


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: Any) -> None:
        if len(args) != 1:
            raise UsageError("give one spider: scrapy crawl news")
        crawler = self._create_crawler(args[0])
        _quiet_when_locked(self.crawler_process.crawl(crawler, **opts.spargs))
        self.crawler_process.start()
        if getattr(crawler, "state_locked", None) is not None:
            self.exitcode = EXIT_LOCKED
        elif self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif crawler.stats.get_value("run/failed"):
            self.exitcode = 2
