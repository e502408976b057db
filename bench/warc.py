"""WARC benchmark: re-extraction from an archive against the live crawl and bare trafilatura,
on the same pages, in one run; and reading a >= 1 GB WARC in bounded memory.

    .venv/bin/python bench/warc.py [--pages N] [--big-gb 1.0] [--json OUT]

It serves N pages as bench/throughput.py does (real Chinese news text in the sample
templates plus the real pages of ../shared/extraction), then:

  crawl          `scrapy crawl news` over them (extraction workers), archiving off
  crawl+archive  the same crawl with ARCHIVE_ENABLED=True: the cost of archiving
  warc           `scrapy crawl warc` over that crawl's archive: the same pipeline, no network;
                 its dump must hold the same article ids as the crawl's
  reader         WarcReader alone over the archive (records/s, MB/s)
  bare           the same records' bodies through bare trafilatura.extract, one process
  reader >= 1 GB WarcReader over the archive's records concatenated to >= --big-gb GB
                 (gzip members concatenate): records/s and the reading process's peak RSS

Pages/s count the N pages; records/s every WARC record (warcinfo, request, response, metadata).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import HOST, BenchServer, build_pages, crawl, crawl_env, watch, write_json  # noqa: E402


def warc_crawl(archive: Path, n: int, workdir: Path) -> dict:
    sites = workdir / "sites.toml"
    sites.write_text(f'[[site]]\nname = "bench"\nsitemaps = ["http://{HOST}/sitemap.xml"]\narticle_pattern = \'/a/\\d+\\.html$\'\n', encoding="utf-8")
    cmd = [sys.executable, "-m", "scrapy", "crawl", "warc", "-a", f"warc={archive}", "-a", f"sites={sites}",
           "-s", f"DUMPS_DIR={workdir / 'dumps'}", "-s", f"STATE_DIR={workdir / 'state'}", "-s", "LOG_LEVEL=WARNING",
           "-s", "EXTRACT_WORKERS=auto"]
    returncode, elapsed, peak, cpu, _ = watch(cmd, crawl_env())
    dump = next((workdir / "dumps" / "warc").glob("*Z.jsonl"))
    rows = [json.loads(line) for line in dump.read_text(encoding="utf-8").splitlines()]
    manifest = json.loads(next((workdir / "dumps" / "warc").glob("*.manifest.json")).read_text(encoding="utf-8"))
    records = sum(v for k, v in manifest["stats"].items() if k.startswith("warc/records/"))
    return {"pages": n, "records": records, "seconds": round(elapsed, 2), "pages_per_s": round(n / elapsed, 2),
            "records_per_s": round(records / elapsed, 1), "peak_rss_mb": round(peak / 2**20), "cpu_ms_per_page": round(1000 * cpu / n, 1),
            "articles": len(rows), "ids": sorted(r["id"] for r in rows), "returncode": returncode}


def read_all(paths: list[Path]) -> tuple[int, int, list[bytes], float]:
    """(records, pages, page bodies, seconds) of WarcReader over the files."""
    from collections import Counter

    from pipelines.warc.reader import WarcReader

    counts: Counter[str] = Counter()
    reader = WarcReader(count=lambda k: counts.update([k]))
    t0 = time.perf_counter()
    bodies = [p.body for p in reader.read(paths)]
    elapsed = time.perf_counter() - t0
    return sum(v for k, v in counts.items() if k.startswith("records/")), len(bodies), bodies, elapsed


def bare(bodies: list[bytes]) -> dict:
    import trafilatura

    t0 = time.perf_counter()
    for body in bodies:
        trafilatura.extract(body.decode("utf-8", errors="replace"), include_comments=False, include_tables=True)
    elapsed = time.perf_counter() - t0
    return {"pages": len(bodies), "pages_per_s": round(len(bodies) / elapsed, 2), "seconds": round(elapsed, 2)}


def big_read(path: Path) -> int:
    """Child mode: stream one big file, print records, pages, seconds and peak RSS (MB) as JSON."""
    from collections import Counter

    from pipelines.warc.reader import WarcReader

    counts: Counter[str] = Counter()
    reader = WarcReader(count=lambda k: counts.update([k]))
    t0 = time.perf_counter()
    pages = sum(1 for _ in reader.read([path]))
    elapsed = time.perf_counter() - t0
    records = sum(v for k, v in counts.items() if k.startswith("records/"))
    print(json.dumps({"records": records, "pages": pages, "seconds": round(elapsed, 1),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
    return 0


def main() -> int:
    if sys.argv[1:2] == ["--big-read"]:
        return big_read(Path(sys.argv[2]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--big-gb", type=float, default=1.0, help="size of the big WARC read for the memory check (0: skip)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result: dict = {}
    pages = build_pages(args.pages)
    print(f"{args.pages} pages ({len(set(pages))} distinct), {sum(map(len, pages)) / 2**20:.0f} MB of HTML")
    server = BenchServer([(HOST, page) for page in pages])
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b, tempfile.TemporaryDirectory() as c:
        try:
            result["crawl"] = crawl(server.port, args.pages, "auto", Path(a))
            result["crawl_archive"] = crawl(server.port, args.pages, "auto", Path(b), "ARCHIVE_ENABLED=True")
        finally:
            server.stop()
        archives = sorted((Path(b) / "dumps" / "news").glob("*.warc.gz"))
        archive_bytes = sum(p.stat().st_size for p in archives)
        result["crawl_archive"]["archive_mb"] = round(archive_bytes / 2**20, 1)
        result["warc"] = warc_crawl(archives[0].parent, args.pages, Path(c))
        records, n_pages, bodies, seconds = read_all(archives)
        result["reader"] = {"records": records, "pages": n_pages, "seconds": round(seconds, 2), "records_per_s": round(records / seconds),
                            "pages_per_s": round(n_pages / seconds, 1), "mb_per_s": round(archive_bytes / 2**20 / seconds, 1)}
        result["bare_trafilatura"] = bare(bodies)
        del bodies
        if args.big_gb:
            big = Path(c) / "big.warc.gz"
            chunk = b"".join(p.read_bytes() for p in archives)
            with big.open("wb") as out:
                while out.tell() < args.big_gb * 2**30:
                    out.write(chunk)
            size = big.stat().st_size
            proc = subprocess.run([sys.executable, __file__, "--big-read", str(big)], capture_output=True, text=True, cwd=ROOT)
            r = json.loads(proc.stdout)
            r.update(gb=round(size / 2**30, 2), records_per_s=round(r["records"] / r["seconds"]), mb_per_s=round(size / 2**20 / r["seconds"], 1))
            result["reader_big"] = r
            big.unlink()
    live_ids = sorted(set(result["crawl_archive"].pop("urls")))  # (urls: the crawl's pages accounted for)
    result["crawl"].pop("urls")
    same = result["warc"]["articles"] == result["crawl_archive"]["articles"]
    result["warc_same_articles_as_crawl"] = same
    result["warc"].pop("ids")
    b = result["bare_trafilatura"]["pages_per_s"]
    live = result["crawl"]["pages_per_s"]
    print(f"{'run':<40} {'pages/s':>8} {'records/s':>10} {'vs crawl':>9} {'vs bare':>8} {'CPU ms/page':>12} {'peak RSS':>9}")
    for name in ("crawl", "crawl_archive", "warc", "reader", "bare_trafilatura"):
        r = result[name]
        rec = f"{r['records_per_s']:.0f}" if "records_per_s" in r else ""
        cpu = f"{r['cpu_ms_per_page']:.1f}" if "cpu_ms_per_page" in r else ""
        rss = f"{r['peak_rss_mb']} MB" if "peak_rss_mb" in r else ""
        print(f"{name:<40} {r['pages_per_s']:>8.1f} {rec:>10} {r['pages_per_s'] / live:>8.2f}x {r['pages_per_s'] / b:>7.2f}x {cpu:>12} {rss:>9}")
    print(f"archive: {result['crawl_archive']['archive_mb']} MB for {args.pages} pages; warc dump articles "
          f"{result['warc']['articles']} vs crawl {result['crawl_archive']['articles']} (same: {same}); {len(live_ids)} pages accounted for")
    if "reader_big" in result:
        r = result["reader_big"]
        print(f"reader over {r['gb']} GB: {r['records']} records in {r['seconds']} s = {r['records_per_s']} records/s, "
              f"{r['mb_per_s']} MB/s, peak RSS {r['peak_rss_mb']} MB")
    write_json(args.json, result)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
