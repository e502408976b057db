"""`scrapy export OUT [--format parquet|jsonl] [--since RUN|last] [--with-duplicates] [--sites a,b]`:
the corpus out of the finished dumps of DUMPS_DIR (export/corpus.py).

Every article once, at its latest revision; reposts left out (or kept with ``duplicate_of``).
Exit status: 0 written or nothing new; 1 the export cannot be made as asked (OUT unchanged).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.items import article_schema
from export.corpus import FORMATS, ExportError, ExportOptions, export_corpus
from pipelines.stores.paths import dumps_root


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "OUT [--format parquet|jsonl] [--since RUN|last] [--with-duplicates] [--sites a,b]"

    def short_desc(self) -> str:
        return "Write the corpus (every article once, latest revision) from the dumps as Parquet or JSONL"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        parser.add_argument("--format", default="parquet", choices=FORMATS, help="shard format (default: parquet, zstd)")
        parser.add_argument("--since", nargs="?", const="last", default=None, metavar="RUN",
                            help="add to OUT's export only the dumps it does not hold yet ('last', the default "
                                 "when no RUN is given) or, of those, the runs after RUN")
        parser.add_argument("--with-duplicates", action="store_true",
                            help="keep reposts (rows with duplicate_of) instead of leaving them out")
        parser.add_argument("--sites", default="", help="comma-separated site names (default: every site)")
        parser.add_argument("--max-rows", type=int, default=100_000, help="rows per shard at most (default: 100000)")
        parser.add_argument("--max-mb", type=int, default=256, help="MB of row data per shard at most (default: 256)")

    def run(self, args: list[str], opts: Any) -> None:
        if len(args) != 1:
            raise UsageError("give one output folder")
        try:
            options = ExportOptions(
                out=Path(args[0]), format=opts.format, since=opts.since, with_duplicates=opts.with_duplicates,
                sites=tuple(s.strip() for s in opts.sites.split(",") if s.strip()),
                max_rows=opts.max_rows, max_bytes=opts.max_mb * 2**20,
            )
            result = export_corpus(dumps_root(self.settings), options, article_schema())
        except ExportError as exc:
            print(f"export: {exc}")
            self.exitcode = 1
            return
        if not result.written:
            print(f"{result.out}: nothing new to export; unchanged")
            return
        bad = sum(result.bad_lines.values())
        print(f"{result.out}: {result.rows:,} articles in {result.shards} {options.format} shards from "
              f"{result.dumps_added} dumps added ({result.lines_read:,} lines read; {result.superseded:,} older "
              f"revisions or copies replaced; {result.reposts_left_out:,} reposts left out"
              + (f"; {bad:,} unreadable lines skipped: " + ", ".join(f"{k}: {v}" for k, v in result.bad_lines.items()) if bad else "")
              + f") in {result.seconds:.1f} s")
