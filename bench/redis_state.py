"""Bytes per article in Redis (distributed mode), measured on a real redis-server.

    python bench/redis_state.py [--articles 20000] [--json OUT]

Starts redis-server on a free 127.0.0.1 port, then stores N distinct articles the way
a crawl does: the repost index entry (atomic check-and-insert), the per-URL state, and
the article request's fingerprint in the expiring seen-set. Reports Redis'
``used_memory`` growth per article for each part, the articles one GB holds, and the
check-and-insert rate. Texts are random 1,500-character Han strings (distinct articles
rarely share LSH buckets, as here), so any machine can run it without a dataset.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.local_redis import start_local_redis  # noqa: E402


def used(client) -> int:
    return int(client.info("memory")["used_memory"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "redis_state.json")
    args = parser.parse_args()

    import redis
    from scrapy import Request

    from crawler.distributed import ExpiringDupeFilter
    from pipelines.stores.redis_state import RedisRepostIndex, RedisUrlStateStore
    from pipelines.stores.repost_index import fingerprint
    from pipelines.stores.url_state import UrlState

    rng = random.Random(7)
    han = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    n = args.articles
    with tempfile.TemporaryDirectory() as tmp:
        try:
            proc, port = start_local_redis(tmp)
        except FileNotFoundError:
            sys.exit("redis-server not found: apt-get install redis-server")
        try:
            client = redis.Redis(port=port)
            print(f"fingerprinting {n} texts ...", flush=True)
            fps = [fingerprint("".join(rng.choices(han, k=1500))) for _ in range(n)]
            urls = [f"http://www.site{i % 50}.test/news/2026/{i:07d}.html" for i in range(n)]

            base = used(client)
            index = RedisRepostIndex(None, client=client, prefix="bench", run="20261123T000000Z-bench").open()
            t0 = time.perf_counter()
            for i, fp in enumerate(fps):
                aid = f"{i:016x}"
                if index.find(fp, aid) is None:
                    index.add(aid, fp)
            claim_s = time.perf_counter() - t0
            index.commit("20261123T000000Z-bench", "bench.jsonl", None)
            after_index = used(client)

            states = RedisUrlStateStore(client, "bench", ttl=180 * 86400)
            for i, url in enumerate(urls):
                states.record([UrlState(url, url, f"{i:016x}", "ab" * 20, time.time(), f'"{i:x}"', "Mon, 23 Nov 2026 08:00:00 GMT", "20261123T000000Z-bench.jsonl")])
            after_urls = used(client)

            seen = ExpiringDupeFilter(client, "bench:news:seen", article_ttl=7 * 86400, listing_ttl=3600)
            for url in urls:
                seen.request_seen(Request(url, meta={"article_candidate": True}))
            after_seen = used(client)

            # A queued request, as the spider makes one (its meta included).
            from scrapy_redis.queue import PriorityQueue

            from crawler.spiders.news import NewsSpider

            spider = NewsSpider()
            queue = PriorityQueue(client, spider, "bench:news:requests")
            for url in urls[:5000]:
                queue.push(Request(url, callback=spider.parse_page, errback=spider.on_error,
                                   meta={"site": "site1", "site_depth": 1, "article_candidate": True, "listing": False}))
            queued = (used(client) - after_seen) / 5000
        finally:
            proc.terminate()
            proc.wait(timeout=10)

    per = {
        "repost_index": (after_index - base) / n,
        "url_state": (after_urls - after_index) / n,
        "seen_set": (after_seen - after_urls) / n,
    }
    per["total"] = sum(per.values())
    result = {
        "articles": n,
        "bytes_per_article": {k: round(v, 1) for k, v in per.items()},
        "articles_per_gib": int(2**30 / per["total"]),
        "check_and_insert_per_s": round(n / claim_s),
        "bytes_per_queued_request": round(queued, 1),
    }
    print(f"\nRedis memory per article ({n} articles, redis-server on 127.0.0.1)")
    print(f"{'part':<16}{'bytes/article':>14}")
    for k, v in per.items():
        print(f"{k:<16}{v:>14.0f}")
    print(f"{'(queued request)':<16}{queued:>14.0f}")
    print(f"\none GiB holds about {result['articles_per_gib']:,} articles; "
          f"check-and-insert {result['check_and_insert_per_s']:,}/s from one client")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
