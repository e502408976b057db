"""Crawl the sample family: start the server, run `scrapy crawl news`, stop, summarise.

    bash samples/crawl.sh            (README command 1; sets up .venv first)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "samples"))

from serve import SampleServer, sites_file_for  # noqa: E402


def main() -> int:
    dumps = ROOT / "dumps"
    before = set(dumps.glob("news/*.jsonl"))
    with SampleServer(0) as server, tempfile.TemporaryDirectory() as tmp:
        sites = Path(tmp) / "sites.toml"
        sites.write_text(sites_file_for(server.port), encoding="utf-8")
        print(f"sample sites on {server.proxy}; crawling ...", flush=True)
        # A fresh state directory each time: the demo always shows the whole family. Scheduled
        # crawls keep STATE_DIR, so tomorrow's reposts of today's articles are caught.
        cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sites={sites}",
               "-s", f"STATE_DIR={Path(tmp) / 'state'}",
               "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING", *sys.argv[1:]]
        # One process, whatever REDIS_URL the shell has: the demo must not touch a shared Redis.
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        proc = subprocess.run(cmd, cwd=ROOT, env=env)
    new = sorted(set(dumps.glob("news/*.jsonl")) - before)
    new = [p for p in new if not p.name.endswith(".duplicates.jsonl")]
    if proc.returncode != 0 or not new:
        print(f"crawl failed (exit status {proc.returncode})", file=sys.stderr)
        return proc.returncode or 1
    dump = new[-1]
    rows = [json.loads(line) for line in dump.read_text(encoding="utf-8").splitlines()]
    dups = dump.with_name(dump.name.replace(".jsonl", ".duplicates.jsonl"))
    n_dups = len(dups.read_text(encoding="utf-8").splitlines()) if dups.exists() else 0
    print(f"\ndump: {dump.relative_to(ROOT)}  ({len(rows)} articles; {n_dups} reposts in {dups.name})")
    for site, n in sorted(Counter(r["site"] for r in rows).items()):
        print(f"  {site:<10} {n} articles")
    for r in rows[:2]:
        print(f"  - {r['title']}  [{r['published']}, {r['source']}]  {r['text'][:40].replace(chr(10), ' ')}...")
    return 0


if __name__ == "__main__":
    sys.exit(main())
