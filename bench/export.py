"""The export at scale: `bench/export.py [--articles 1000000] [--dumps 100] [--anchor] [--json OUT]`.

Writes DUMPS dumps holding ARTICLES article lines in all (real Chinese news text from
../shared/corpora/cnews_dev.txt, cut into articles of 300-3,000 characters; a tenth of the lines
are later revisions of an earlier id, a twentieth reposts with duplicate_of), then times in one run:

  export        `scrapy export OUT` (Parquet), in its own process: wall time, lines/s and rows/s,
                peak RSS (sampled from /proc every 0.1 s, and the kernel's maxrss)
  incremental   one more dump, `scrapy export OUT --since`
  nothing new   `scrapy export OUT --since` again
  anchor        (--anchor) what a user writes by hand: DuckDB reads every dump and keeps the latest
                row per id (row_number() over id), reposts out, into one zstd Parquet file; 2 threads,
                insertion order not kept, memory_limit 1GB (its default is 80% of the machine), and
                4GB when 1GB is not enough

and checks that both keep the same ids. Prints a table and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpora" / "cnews_dev.txt"
SITES = [f"site{n:02d}" for n in range(40)]


def source_text() -> str:
    if CORPUS.exists():
        return "".join(CORPUS.read_text(encoding="utf-8").split())
    rnd = random.Random(7)  # without ../shared: common Han characters (compress worse than real text)
    return "".join(chr(rnd.randint(0x4E00, 0x62FF)) for _ in range(500_000))


def write_dumps(folder: Path, articles: int, dumps: int, seed: int = 25) -> int:
    """Returns the bytes written."""
    rnd = random.Random(seed)
    text = source_text()
    per_dump = articles // dumps
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    next_id = 0
    size = 0
    (folder / "news").mkdir(parents=True, exist_ok=True)
    for d in range(dumps):
        when = start + timedelta(hours=d)
        run = when.strftime("%Y%m%dT%H%M%SZ")
        with (folder / "news" / f"{run}.jsonl").open("w", encoding="utf-8") as f:
            for line in range(per_dump):
                roll = rnd.random()
                revision = roll < 0.10 and next_id > 1000
                n = rnd.randrange(next_id) if revision else next_id
                next_id += 0 if revision else 1
                site = SITES[n % len(SITES)]
                at = rnd.randrange(len(text) - 3000)
                body = text[at: at + rnd.randint(300, 3000)]
                url = f"http://{site}.test/news/{n}.html"
                row = {"id": f"{n:016x}", "url": url, "canonical_url": url, "site": site, "domain": f"{site}.test",
                       "title": body[:20], "text": body, "published": f"{2015 + n % 12}-{1 + n % 12:02d}-{1 + n % 28:02d}",
                       "author": "记者 王明", "editor": None, "source": None, "language": "zh",
                       "script": "hans" if n % 5 else "hant",
                       "fetched_at": (when + timedelta(seconds=line)).isoformat(), "http_status": 200, "encoding": "utf-8",
                       "encoding_source": "header", "warnings": [], "content_hash": f"{rnd.getrandbits(160):040x}",
                       "duplicate_of": f"{rnd.randrange(max(1, n)):016x}" if 0.10 <= roll < 0.15 and n else None,
                       "revision": revision, "pages": [url]}
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
            size += f.tell()
    return size


def timed(cmd: list[str], env: dict[str, str], may_fail: bool = False) -> dict:
    """Run a command; wall time and peak RSS (sampled from /proc and the kernel's maxrss)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampled = 0
    while proc.poll() is None:
        try:
            for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sampled = max(sampled, int(line.split()[1]) * 1024)
        except OSError:
            pass
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    out, err = proc.communicate()
    if proc.returncode != 0:
        if not may_fail:
            raise SystemExit(f"{cmd} failed:\n{err[-3000:]}")
        return {"seconds": round(elapsed, 2), "peak_rss_mb": round(sampled / 2**20), "failed": err.strip().splitlines()[-8:]}
    maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of the children is the largest of any child so far: it names this one only when it grew.
    peak = max(sampled, maxrss * 1024 if maxrss > before else 0)
    return {"seconds": round(elapsed, 2), "peak_rss_mb": round(peak / 2**20), "output": out.strip().splitlines()[-1:]}


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


ANCHOR = """
import duckdb, sys
con = duckdb.connect(config={"threads": 2, "memory_limit": sys.argv[4], "temp_directory": sys.argv[3],
                             "preserve_insertion_order": False})
con.sql(f'''COPY (SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (PARTITION BY id ORDER BY fetched_at DESC, filename DESC) AS rn
    FROM read_json('{sys.argv[1]}/news/*.jsonl', format='newline_delimited', filename=true)
  ) WHERE rn = 1 AND duplicate_of IS NULL) TO '{sys.argv[2]}' (FORMAT parquet, COMPRESSION zstd)''')
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=1_000_000)
    ap.add_argument("--dumps", type=int, default=100)
    ap.add_argument("--anchor", action="store_true", help="also time DuckDB doing the merge by hand")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-export-"))
    work.mkdir(parents=True, exist_ok=True)
    dumps, out = work / "dumps", work / "out"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    scrapy = [sys.executable, "-m", "scrapy", "export", str(out), "-s", f"DUMPS_DIR={dumps}", "-s", "LOG_LEVEL=WARNING"]
    try:
        started = time.perf_counter()
        reused = (dumps / "news").is_dir()
        if not reused:
            write_dumps(dumps, args.articles, args.dumps)
        written = "reused" if reused else f"written in {time.perf_counter() - started:.0f} s"
        dump_bytes = folder_bytes(dumps)
        print(f"{args.articles:,} article lines in {args.dumps} dumps, {dump_bytes / 2**30:.2f} GiB, {written}", flush=True)
        shutil.rmtree(out, ignore_errors=True)
        results: dict[str, dict] = {}
        results["export"] = timed(scrapy, env)
        record = json.loads((out / "export.json").read_text())
        results["export"].update(rows=record["rows"], shards=len(record["shards"]), out_bytes=folder_bytes(out / "data"))

        extra = args.articles // args.dumps
        more = work / "more"
        write_dumps(more, extra, 1, seed=26)
        src = next((more / "news").glob("*.jsonl"))
        src.rename(dumps / "news" / "20991231T000000Z.jsonl")
        results["incremental"] = timed(scrapy + ["--since"], env)
        results["incremental"]["rows"] = json.loads((out / "export.json").read_text())["rows"]
        results["nothing new"] = timed(scrapy + ["--since"], env)
        (dumps / "news" / "20991231T000000Z.jsonl").unlink()

        if args.anchor:
            import duckdb

            anchor_out = work / "anchor.parquet"
            (work / "duck-tmp").mkdir(exist_ok=True)
            for limit in ("1GB", "4GB"):  # the export's own bound first; with more when it does not fit
                r = timed([sys.executable, "-c", ANCHOR, str(dumps), str(anchor_out), str(work / "duck-tmp"), limit], env, may_fail=True)
                results[f"anchor {limit}"] = r
                if "failed" in r:
                    print(f"anchor with memory_limit {limit} failed after {r['seconds']:.0f} s: {r['failed'][-1][:200]}", flush=True)
                    continue
                r["out_bytes"] = anchor_out.stat().st_size
                r["rows"] = duckdb.sql(f"SELECT count(*) FROM read_parquet('{anchor_out}')").fetchall()[0][0]
                break

        lines = args.articles
        print()
        print(f"{'run':<14} {'seconds':>8} {'lines/s':>9} {'rows/s':>9} {'rows':>9} {'peak RSS':>9} {'output':>9}")
        for name, r in results.items():
            full = name == "export" or (name.startswith("anchor") and "failed" not in r)
            n_lines = lines if full else (extra if name == "incremental" else 0)
            r["lines_per_s"] = round(n_lines / r["seconds"]) if n_lines else 0
            r["rows_per_s"] = round(r.get("rows", 0) / r["seconds"]) if full else 0
            size = f"{r['out_bytes'] / 2**20:,.0f} MB" if "out_bytes" in r else ""
            print(f"{name:<14} {r['seconds']:>8.1f} {r['lines_per_s']:>9,} {r['rows_per_s']:>9,} {r.get('rows', 0):>9,} "
                  f"{r['peak_rss_mb']:>6} MB {size:>9}")
        done = [r for n, r in results.items() if n.startswith("anchor") and "failed" not in r]
        if done:
            e, a = results["export"], done[0]
            print(f"\nexport vs anchor: {a['seconds'] / e['seconds']:.2f}x the anchor's speed, "
                  f"{e['peak_rss_mb'] / a['peak_rss_mb']:.2f}x its peak RSS; rows {e['rows']:,} vs {a['rows']:,}")
        summary = {"articles": args.articles, "dumps": args.dumps, "dump_bytes": dump_bytes, "cores": os.cpu_count(),
                   "loadavg_at_end": os.getloadavg(), "results": results}
        if args.json:
            args.json.write_text(json.dumps(summary, indent=1), encoding="utf-8")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
