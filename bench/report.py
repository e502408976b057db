"""Run report at scale: `bench/report.py [--runs 1000] [--sites 500] [--json OUT]`.

Writes RUNS manifests of SITES sites each (the manifest's shape, with a full per-site stats
dictionary as a crawl writes it; values random but plausible: daily yields, a few sites that
break and come back, errors of a few kinds), then times `report.render.write_report` on them and,
when Debian's chromium is installed, the page's load in headless Chromium (tests/chromium.py).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report.render import write_report  # noqa: E402


def write_manifests(folder: Path, runs: int, sites: int, seed: int = 16) -> None:
    rnd = random.Random(seed)
    names = [f"site{n:03d}" for n in range(sites)]
    usual = {s: rnd.randint(0, 60) for s in names}
    broken = {s: rnd.randint(0, runs) for s in rnd.sample(names, max(1, sites // 20))}  # a redesign at that run
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for r in range(runs):
        when = start + timedelta(hours=r)
        per_site, stats = {}, {}
        for s in names:
            down = s in broken and broken[s] <= r < broken[s] + 30
            articles = 0 if down else max(0, int(rnd.gauss(usual[s], usual[s] / 4 + 1)))
            kinds = {k: rnd.randint(1, 9) for k in ("http_404", "timeout", "http_503") if rnd.random() < 0.1}
            per_site[s] = {
                "articles": articles, "articles_extracted": articles + rnd.randint(0, 3), "candidates_fetched": articles + 3,
                "pages_fetched": articles + rnd.randint(3, 40), "errors": sum(kinds.values()), "charset_overridden": rnd.randint(0, 2),
                "boilerplate_lines_removed": articles * rnd.randint(3, 9), "template_lines_removed": articles * rnd.randint(0, 4),
                "duplicates": rnd.randint(0, max(1, articles // 5)), "errors_by_kind": kinds,
                "median_text_length": 0 if not articles else int(rnd.gauss(1200, 150)), "flagged_share": 0.0,
                "health_warnings": ["no articles extracted from 3 candidate pages (usually 20)"] if down else [],
            }
            for k in ("pages", "candidates", "errors", "charset_overridden"):
                stats[f"news/site/{s}/{k}"] = rnd.randint(0, 50)
            stats[f"extract/site/{s}/articles"] = articles
            stats[f"boilerplate/site/{s}/lines_removed"] = per_site[s]["boilerplate_lines_removed"]
            stats[f"dedup/site/{s}/duplicates"] = per_site[s]["duplicates"]
        run = when.strftime("%Y%m%dT%H%M%SZ")
        manifest = {"started": when.isoformat(), "finished": (when + timedelta(minutes=20)).isoformat(),
                    "dump": {"file": f"{run}.jsonl", "lines": sum(p["articles"] for p in per_site.values()), "sha256": "0" * 64},
                    "exit_status": 0, "failure": None, "state_rebuilt": {}, "sites": per_site, "stats": stats}
        (folder / f"{run}.manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--sites", type=int, default=500)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "news"
        folder.mkdir()
        t = time.perf_counter()
        write_manifests(folder, args.runs, args.sites)
        manifests_mb = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        print(f"{args.runs} manifests x {args.sites} sites: {manifests_mb:.0f} MB written in {time.perf_counter() - t:.1f} s")
        out = Path(tmp) / "report.html"
        t = time.perf_counter()
        write_report(folder, out)
        render_s = time.perf_counter() - t
        size = out.stat().st_size
        result = {"runs": args.runs, "sites": args.sites, "manifests_mb": round(manifests_mb), "render_s": round(render_s, 2),
                  "html_bytes": size}
        print(f"scrapy report: {render_s:.1f} s, {size / 1e6:.2f} MB of HTML")
        from tests.chromium import Chromium, chromium_path

        if chromium_path():
            browser = Chromium(Path(tmp))
            try:
                load_s = browser.open(out.as_uri(), timeout=300)
                result["chromium_load_s"] = round(load_s, 2)
                result["chromium_console_errors"] = len(browser.console_errors())
                print(f"chromium: loaded in {load_s:.1f} s, {len(browser.console_errors())} console errors")
            finally:
                browser.close()
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
