"""`scrapy report [FOLDER] -o report.html`: the run report of a dump folder (report/render.py).

FOLDER defaults to DUMPS_DIR/news. The output is one self-contained HTML file (inline SVG,
no script, no network). Unreadable manifests are skipped, named in the report and the log.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from report.render import write_report
from pipelines.stores.paths import dumps_root

logger = logging.getLogger(__name__)


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[FOLDER] -o report.html"

    def short_desc(self) -> str:
        return "Write an HTML run report from the manifests of a dump folder"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", default="report.html", help="HTML file to write (default: report.html)")

    def run(self, args: list[str], opts: Any) -> None:
        if len(args) > 1:
            raise UsageError("give at most one dump folder")
        folder = Path(args[0]) if args else dumps_root(self.settings) / "news"
        if not folder.is_dir():
            raise UsageError(f"{folder}: no such folder")
        started = time.perf_counter()
        out = Path(opts.output)
        report = write_report(folder, out)
        print(f"{out}: {len(report.runs)} runs, {out.stat().st_size:,} bytes, {time.perf_counter() - started:.1f} s"
              + (f"; {len(report.unreadable)} unreadable manifests skipped" if report.unreadable else ""))
