"""The record fields' cost in instructions: deterministic, so it can be read on a loaded machine.

CPU time on the shared machine moves by tens of percent between runs; callgrind's instruction
counts do not. This reads the page reader's work (crawler/reading.read_page, the full path) on
a sample of the throughput bench's crawl-mix pages under callgrind, with the record fields off
and on, and subtracts the start-up measured the same way:

    .venv/bin/python bench/record_instructions.py sample OUT.pkl [--pages 25] [--every 20]
    for mode in none off on; do
      PYTHONHASHSEED=0 OPENBLAS_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file=OUT.pkl.$mode .venv/bin/python bench/record_instructions.py read OUT.pkl $mode
    done
    .venv/bin/python bench/record_instructions.py report OUT.pkl

``sample`` builds the crawl mix of 1,000 pages (bench/throughput.py --mix crawl) natively and
keeps every EVERY-th distinct page, up to PAGES. ``read`` imports, reads the first two pages
both ways (caches, lazy imports), freezes what is alive as the page-reader workers do at start
(pipelines/text/extract_pool.py), then reads every page once in MODE (none: no more). ``report``
prints the instructions per page off and on, ((total(mode) - total(none)) / pages), and on/off.
(A fixed hash seed: with a random one the counts of the same code move by about 1 M a page, the
garbage collector's work; one BLAS thread: numpy's idle ones spin for about 0.5 M a page.) Instructions leave out what the memory system adds (cache misses of the extra objects), so the
ratio of CPU time measured in a crawl (bench/throughput.py --record-cost) is higher.
"""

from __future__ import annotations

import gc
import pickle
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def sample(out: Path, pages: int, every: int) -> None:
    sys.path.append(str(ROOT / "bench"))  # after the project: bench/export.py must not hide the export package
    import throughput

    served, _ = throughput.MIXES["crawl"](1000)
    distinct = list({body: url for url, (_, body) in zip(throughput.page_urls(served), served)}.items())
    out.write_bytes(pickle.dumps(distinct[::every][:pages]))
    print(f"{len(distinct[::every][:pages])} pages -> {out}")


def read(path: Path, mode: str) -> None:
    from scrapy.settings import Settings

    from crawler.links import SiteLinks
    from crawler.reading import read_page
    from pipelines.extract import extract_config

    pages = pickle.loads(path.read_bytes())
    settings = Settings()
    settings.setmodule("crawler.settings")
    on = extract_config(settings)
    settings.set("RECORD_FIELDS", False)
    off = extract_config(settings)
    links = SiteLinks([], allow=re.compile(r"/a/\d+\.html$"))
    for body, url in pages[:2]:
        for config in (on, off):
            read_page(body, "text/html; charset=utf-8", url, links, config, True)
    gc.collect()
    gc.freeze()
    if mode != "none":
        for body, url in pages:
            read_page(body, "text/html; charset=utf-8", url, links, on if mode == "on" else off, True)


def _summary(path: Path) -> int:
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("summary:"):
            return int(line.split()[1])
    raise SystemExit(f"{path}: no callgrind summary")


def report(path: Path) -> None:
    pages = len(pickle.loads(path.read_bytes()))
    prefix = str(path)
    start = _summary(Path(f"{prefix}.none"))
    per = {mode: (_summary(Path(f"{prefix}.{mode}")) - start) / pages for mode in ("off", "on")}
    print(f"{pages} pages: off {per['off'] / 1e6:.1f} M, on {per['on'] / 1e6:.1f} M instructions a page; "
          f"the record {(per['on'] - per['off']) / 1e6:.1f} M, on/off {per['on'] / per['off']:.4f}")


def main() -> None:
    command, path = sys.argv[1], Path(sys.argv[2])
    if command == "sample":
        args = sys.argv[3:]
        pages = int(args[args.index("--pages") + 1]) if "--pages" in args else 25
        every = int(args[args.index("--every") + 1]) if "--every" in args else 20
        sample(path, pages, every)
    elif command == "read":
        read(path, sys.argv[3])
    elif command == "report":
        report(path)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
