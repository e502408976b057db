"""`scrapy crawl`, plus an exit status for schedulers.

0: the run finished, whatever happened to single pages (the manifest counts those);
1: Scrapy could not start (a bad sites file, a bad setting);
2: the run failed as a whole: no site reachable, or the dump, manifest or state could not be
   written (stat ``run/failed`` says why).
"""

from __future__ import annotations

from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawl


class Command(ScrapyCrawl):
    def _create_crawler(self, spname: str) -> Any:
        self._crawler = super()._create_crawler(spname)
        return self._crawler

    def run(self, args: list[str], opts: Any) -> None:
        super().run(args, opts)
        crawler = getattr(self, "_crawler", None)
        if not self.exitcode and crawler is not None and crawler.stats.get_value("run/failed"):
            self.exitcode = 2
